/**
 * The CSV the abuse.ch feeds publish: one record per line, fields optionally in double quotes (a
 * doubled quote inside), `#` comment lines around the data. Records never span lines there, so a
 * quote left open is an error of its line, not a reason to read on.
 */
export interface CsvLine {
  /** 1-based line number in the file. */
  line: number;
  fields: string[];
}

export interface CsvComment {
  line: number;
  text: string;
}

export interface CsvFile {
  rows: CsvLine[];
  comments: CsvComment[];
  /** Lines whose quoting is broken, with what is wrong. */
  broken: { line: number; problem: string }[];
}

export function splitCsvLine(text: string): string[] | string {
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    if (text[i] === '"') {
      let value = '';
      i++;
      for (;;) {
        const quote = text.indexOf('"', i);
        if (quote === -1) return `a quoted field opened at column ${i} is not closed`;
        value += text.slice(i, quote);
        if (text[quote + 1] === '"') {
          value += '"';
          i = quote + 2;
          continue;
        }
        i = quote + 1;
        break;
      }
      fields.push(value);
      if (i === text.length) return fields;
      if (text[i] !== ',') return `expected a comma after the quoted field ending at column ${i}`;
      i++;
    } else {
      const comma = text.indexOf(',', i);
      if (comma === -1) {
        fields.push(text.slice(i).trim());
        return fields;
      }
      fields.push(text.slice(i, comma).trim());
      i = comma + 1;
    }
  }
}

export function readCsv(text: string): CsvFile {
  const file: CsvFile = { rows: [], comments: [], broken: [] };
  const lines = text.split('\n');
  for (let n = 0; n < lines.length; n++) {
    const line = lines[n]!.replace(/\r$/, '');
    if (line.trim() === '') continue;
    if (line.startsWith('#')) {
      file.comments.push({ line: n + 1, text: line.slice(1).trim() });
      continue;
    }
    const fields = splitCsvLine(line);
    if (typeof fields === 'string') file.broken.push({ line: n + 1, problem: fields });
    else file.rows.push({ line: n + 1, fields });
  }
  return file;
}

/** Lower-case column names without units: `Dateadded (UTC)` → `dateadded`. */
export function columnName(raw: string): string {
  return raw
    .replace(/\(.*?\)/g, '')
    .trim()
    .toLowerCase();
}
