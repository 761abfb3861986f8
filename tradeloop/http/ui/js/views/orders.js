// The orders view of /app.
export const title = "Orders";

export function render(root, ctx) {
  return () => {};
}
