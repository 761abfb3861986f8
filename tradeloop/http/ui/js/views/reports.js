// The reports view of /app.
export const title = "Reports";

export function render(root, ctx) {
  return () => {};
}
