// The notifications view of /app.
export const title = "Notifications";

export function render(root, ctx) {
  return () => {};
}
