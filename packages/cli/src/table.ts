// Plain-text tables laid out as kubectl prints them: upper-case headers, columns padded to their
// widest cell plus three spaces, no trailing blanks, so `awk '{print $1}'` works on the output.

const GAP = '   ';

/** What kubectl shows for an empty cell. */
export const NONE = '<none>';

export function renderTable(
  headers: readonly string[],
  rows: readonly (readonly string[])[],
): string {
  const widths = headers.map((h, i) =>
    Math.max(h.length, ...rows.map((row) => (row[i] ?? '').length)),
  );
  const line = (cells: readonly string[]) =>
    headers
      .map((_, i) => {
        const cell = cells[i] ?? '';
        return i === headers.length - 1 ? cell : cell.padEnd(widths[i]!);
      })
      .join(GAP)
      .trimEnd();
  return `${[line(headers), ...rows.map(line)].join('\n')}\n`;
}

/** `a,b,c`, or `<none>` for an empty list. */
export function joinCell(values: readonly string[]): string {
  return values.length === 0 ? NONE : values.join(',');
}

/** `app=reviews,version=v1`, or `<none>` when there are no labels. */
export function labelsCell(labels: Readonly<Record<string, string>> | undefined): string {
  return joinCell(Object.entries(labels ?? {}).map(([k, v]) => `${k}=${v}`));
}
