// The alerts view of /app.
export const title = "Alerts";

export function render(root, ctx) {
  return () => {};
}
