/** The first line of a (multi-line) message, e.g. a parser's error without its code frame. */
export function firstLine(text: string): string {
  const nl = text.indexOf('\n');
  return nl < 0 ? text : text.slice(0, nl);
}
