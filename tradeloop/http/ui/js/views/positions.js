// The positions view of /app.
export const title = "Positions";

export function render(root, ctx) {
  return () => {};
}
