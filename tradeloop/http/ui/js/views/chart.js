// The chart view of /app.
export const title = "Chart";

export function render(root, ctx) {
  return () => {};
}
