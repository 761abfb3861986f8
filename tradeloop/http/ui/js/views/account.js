// The account view of /app.
export const title = "Account";

export function render(root, ctx) {
  return () => {};
}
