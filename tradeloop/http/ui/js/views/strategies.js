// The strategies view of /app.
export const title = "Strategies";

export function render(root, ctx) {
  return () => {};
}
