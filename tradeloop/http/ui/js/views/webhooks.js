// The webhooks view of /app.
export const title = "Webhooks";

export function render(root, ctx) {
  return () => {};
}
