// The ticket view of /app.
export const title = "Ticket";

export function render(root, ctx) {
  return () => {};
}
