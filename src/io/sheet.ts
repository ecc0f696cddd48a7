/** Reading and writing plain tables as XLSX or CSV with exceljs. */
import ExcelJS from 'exceljs';
import { open } from 'node:fs/promises';
import { extname } from 'node:path';

export type Cell = string | number | boolean | Date | null;
export type SheetFormat = 'xlsx' | 'csv';

/** A row as the spreadsheet numbers it (1-based, as Excel shows), and its cells from column A. */
export interface SheetRow { row: number; cells: Cell[] }

export function formatOf(file: string): SheetFormat {
  const ext = extname(file).toLowerCase();
  if (ext === '.xlsx') return 'xlsx';
  if (ext === '.csv') return 'csv';
  throw new Error(`${file}: only .xlsx and .csv files are read and written (not "${ext || 'no extension'}")`);
}

function cellOf(value: ExcelJS.CellValue): Cell {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' || value instanceof Date) return value;
  if ('richText' in value) return value.richText.map((r) => r.text).join('');
  if ('hyperlink' in value) return String(value.text ?? value.hyperlink);
  if ('error' in value) return value.error;
  if ('result' in value) return value.result === undefined ? null : cellOf(value.result as ExcelJS.CellValue);
  return String(value);
}

/** `;` when a CSV's first line holds more of them than commas (Excel in Vietnamese locale writes so). */
async function sniffDelimiter(file: string): Promise<string> {
  const handle = await open(file, 'r');
  try {
    const buf = Buffer.alloc(4096);
    const { bytesRead } = await handle.read(buf, 0, buf.length, 0);
    const firstLine = buf.subarray(0, bytesRead).toString('utf8').split(/\r?\n/)[0] ?? '';
    const count = (c: string) => firstLine.split(c).length - 1;
    return count(';') > count(',') ? ';' : count('\t') > count(',') ? '\t' : ',';
  } finally {
    await handle.close();
  }
}

/** The rows of the first worksheet (XLSX) or of the file (CSV, UTF-8, cells kept as text). */
export async function readSheet(file: string): Promise<SheetRow[]> {
  const workbook = new ExcelJS.Workbook();
  let sheet: ExcelJS.Worksheet | undefined;
  if (formatOf(file) === 'xlsx') {
    await workbook.xlsx.readFile(file);
    sheet = workbook.worksheets.find((w) => w.state !== 'hidden' && w.state !== 'veryHidden') ?? workbook.worksheets[0];
  } else {
    const delimiter = await sniffDelimiter(file);
    // Keep every cell as written: the default map turns "01" into 1 and "1.000" into 1.
    sheet = await workbook.csv.readFile(file, { map: (v: unknown) => v, parserOptions: { delimiter } } as Partial<ExcelJS.CsvReadOptions> as ExcelJS.CsvReadOptions);
  }
  const rows: SheetRow[] = [];
  sheet?.eachRow({ includeEmpty: false }, (row, rowNumber) => {
    const values = row.values as ExcelJS.CellValue[]; // 1-based: values[0] is empty
    const cells: Cell[] = [];
    for (let c = 1; c < values.length; c++) {
      let v = cellOf(values[c]);
      if (typeof v === 'string' && rowNumber === 1 && c === 1) v = v.replace(/^\uFEFF/, '');
      cells.push(v);
    }
    rows.push({ row: rowNumber, cells });
  });
  return rows;
}

export interface Column { header: string; width?: number; kind?: 'text' | 'date' | 'number' | 'percent' }
export interface Table { name: string; columns: Column[]; rows: Cell[][] }

/**
 * Writes tables: XLSX gets one worksheet each (bold, frozen header; dates as dates); CSV gets the
 * first table only, UTF-8 with a BOM so that Excel shows Vietnamese correctly, dates as YYYY-MM-DD.
 */
export async function writeTables(file: string, tables: Table[]): Promise<void> {
  const format = formatOf(file);
  const workbook = new ExcelJS.Workbook();
  workbook.creator = 'tiendo';
  for (const table of format === 'csv' ? tables.slice(0, 1) : tables) {
    const sheet = workbook.addWorksheet(table.name.slice(0, 31), { views: [{ state: 'frozen', ySplit: 1 }] });
    sheet.columns = table.columns.map((c, i) => ({
      header: c.header, key: `c${i}`, width: c.width ?? Math.min(60, Math.max(10, c.header.length + 2)),
      ...(c.kind === 'date' && format === 'xlsx' ? { style: { numFmt: 'dd/mm/yyyy' } } : {}),
      ...(c.kind === 'percent' && format === 'xlsx' ? { style: { numFmt: '0.0%' } } : {}),
    }));
    sheet.getRow(1).font = { bold: true };
    for (const r of table.rows) {
      sheet.addRow(r.map((v, i) => {
        if (table.columns[i]?.kind === 'date' && typeof v === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(v)) {
          return format === 'xlsx' ? new Date(`${v}T00:00:00Z`) : v;
        }
        return v;
      }));
    }
  }
  if (format === 'xlsx') await workbook.xlsx.writeFile(file);
  else await workbook.csv.writeFile(file, { formatterOptions: { writeBOM: true } } as Partial<ExcelJS.CsvWriteOptions> as ExcelJS.CsvWriteOptions);
}
