import ExcelJS from 'exceljs';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { taskTable } from '../../src/io/export.js';
import { importTasks } from '../../src/io/import-tasks.js';
import { readSheet, writeTables } from '../../src/io/sheet.js';
import { loadOfficialUnits } from '../../src/reference/load.js';
import type { Actor } from '../../src/shared/schemas.js';
import { eventCount, tempApp } from '../support/temp-app.js';

const ADMIN: Actor = { id: 'test-admin', role: 'admin', unit: 'GOV' };
const LEADER: Actor = { id: 'test-leader', role: 'leader', unit: 'GOV' };
const NOW = '2026-11-20T02:00:00.000Z';
const ROWS = 1000;

/** What row i of the generated sheet should become. */
interface Expected {
  title: string; sourceNumber: string; sourceDate: string; issuer: string; lead: string; coordinators: string[];
  deadline: string | null; indicator: { code: string; name: string; unitOfMeasure: string; target: number | null } | null;
}

const leads: [cell: ExcelJS.CellValue, id: string][] = [
  ['01', '01'], ['Bộ Y tế', 'BYT'], [79, '79'], ['Thành phố Hồ Chí Minh', '79'], ['00004', '00004'], ['bo cong an', 'BCA'],
  ['Hà Nội', '01'], ['Phường Ba Đình', '00004'],
];
const coordinatorCells: [cell: string | null, ids: string[]][] = [
  [null, []], ['BCA, BTP', ['BCA', 'BTP']], ['Bộ Văn hóa, Thể thao và Du lịch, Bộ Công an', ['BVHTTDL', 'BCA']],
  ['Văn phòng Chính phủ; Ngân hàng Nhà nước Việt Nam', ['VPCP', 'NHNN']], ['BKHCN', ['BKHCN']],
];

function generate(i: number): { cells: ExcelJS.CellValue[]; expected: Expected } {
  const [leadCell, lead] = leads[i % leads.length]!;
  let [coordCell, coordinators] = coordinatorCells[i % coordinatorCells.length]!;
  if (coordinators.includes(lead)) [coordCell, coordinators] = [null, []];
  const day = (i % 28) + 1;
  const month = (i % 12) + 1;
  const iso = `2027-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
  // Deadlines as a date cell, as dd/mm/yyyy text, as ISO text, or recurring.
  const [deadlineCell, deadline]: [ExcelJS.CellValue, string | null] = [
    [new Date(`${iso}T00:00:00Z`), iso], [`${day}/${month}/2027`, iso], [iso, iso], ['Thường xuyên', null],
  ][i % 4] as [ExcelJS.CellValue, string | null];
  const withIndicator = i % 3 !== 0;
  const target = i % 2 === 0 ? 1000 + i : 1234.5;
  const indicator = withIndicator
    ? { code: ['VNEID_L2_ACTIVATED', 'POP_DATA_CLEANED', 'ESSENTIAL_SERVICES_ONLINE'][i % 3]!, name: `Chỉ tiêu số ${i}`, unitOfMeasure: 'hồ sơ', target }
    : null;
  const expected: Expected = {
    title: `Nhiệm vụ thử số ${i}: triển khai dữ liệu dân cư "đúng, đủ, sạch, sống" tại địa phương`,
    sourceNumber: `${100 + (i % 7)}/QĐ-TTg`, sourceDate: '2026-01-06', issuer: 'Thủ tướng Chính phủ', lead, coordinators, deadline, indicator,
  };
  const cells: ExcelJS.CellValue[] = [
    i + 1, expected.title, expected.sourceNumber, i % 2 ? '06/01/2026' : new Date('2026-01-06T00:00:00Z'), expected.issuer,
    leadCell, coordCell, deadlineCell, indicator?.code ?? null, indicator?.name ?? null, indicator?.unitOfMeasure ?? null,
    indicator ? (i % 4 === 1 ? '1.234,5' : target) : null,
  ];
  if (indicator && i % 4 === 1) indicator.target = 1234.5;
  return { cells, expected };
}

const HEADERS = ['STT', 'Nhiệm vụ', 'Văn bản', 'Ngày văn bản', 'Cơ quan ban hành', 'Chủ trì', 'Phối hợp', 'Thời hạn (dd/mm/yyyy)',
  'Chỉ tiêu', 'Tên chỉ tiêu', 'Đơn vị tính', 'Mục tiêu'];

/** A ministry's sheet: a title row, the header row (row 2), then the tasks from row 3. */
async function writeSheet(file: string, rows: ExcelJS.CellValue[][]): Promise<void> {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('Danh mục nhiệm vụ');
  ws.addRow(['DANH MỤC NHIỆM VỤ TRIỂN KHAI ĐỀ ÁN 06 NĂM 2027']);
  ws.addRow(HEADERS);
  for (const r of rows) ws.addRow(r);
  await wb.xlsx.writeFile(file);
}

describe('spreadsheet import and export', () => {
  let env: Awaited<ReturnType<typeof tempApp>>;
  const generated = Array.from({ length: ROWS }, (_, i) => generate(i));

  beforeAll(async () => {
    env = await tempApp('tiendo-io-');
    await loadOfficialUnits(env.app, { actor: ADMIN, now: '2025-07-01T00:00:00.000Z', correlationId: 'io-test' });
  }, 60_000);
  afterAll(async () => env?.dispose());

  it('dry-run of a sheet with bad rows names every bad row and column, and writes nothing, with or without --dry-run', async () => {
    const rows = generated.slice(0, 300).map((g) => [...g.cells]);
    rows.forEach((r, i) => (r[1] = `Khác ${i}: ${String(r[1])}`)); // new tasks, so a partial write would show
    rows[120]![7] = '31/02/2027'; // no such day → row 123, Thời hạn
    rows[200]![5] = 'Bộ Không Tồn Tại'; // unknown unit → row 203, Chủ trì
    rows[250]![11] = 'nhiều lắm'; // not a number → row 253, Mục tiêu
    rows[260]![1] = '   '; // blank title → row 263, Nhiệm vụ
    const file = join(env.dir, 'bad.xlsx');
    await writeSheet(file, rows);
    const before = await eventCount(env.app);
    for (const dryRun of [true, false]) {
      const { plan, written } = await importTasks(env.app, file, { actor: LEADER, now: NOW, dryRun });
      expect(plan.headerRow).toBe(2);
      expect(plan.errors.map((e) => [e.row, e.column])).toEqual([
        [123, 'Thời hạn (dd/mm/yyyy)'], [203, 'Chủ trì'], [253, 'Mục tiêu'], [263, 'Nhiệm vụ'],
      ]);
      expect(plan.errors[0]!.message).toMatch(/calendar date/);
      expect(plan.errors[1]!.message).toMatch(/Bộ Không Tồn Tại/);
      expect(written).toBe(0);
      expect(await eventCount(env.app)).toBe(before);
    }
  });

  it('the CLI lists the errors by row and column, exits 1 and writes nothing', async () => {
    const rows = generated.slice(0, 5).map((g) => [...g.cells]);
    rows[3]![5] = 'Xã An Bình'; // a name several communes share
    const file = join(env.dir, 'cli.xlsx');
    await writeSheet(file, rows);
    const before = await eventCount(env.app);
    const cli = spawnSync(process.execPath, ['bin/tiendo.js', 'import', file, '--dry-run'], {
      env: { ...process.env, TIENDO_DATA: env.dir, LOG_LEVEL: 'silent' }, encoding: 'utf8', timeout: 60_000,
    });
    expect(cli.stdout).toContain('dòng 6, cột «Chủ trì»: "Xã An Bình" trùng tên');
    expect(cli.status).toBe(1);
    expect(await eventCount(env.app)).toBe(before);
  }, 60_000);

  it(`round trip: ${ROWS} rows imported, exported to XLSX and CSV, and the export reads back as the same tasks`, async () => {
    const file = join(env.dir, 'tasks.xlsx');
    await writeSheet(file, generated.map((g) => g.cells));
    const progress: number[] = [];
    const { plan, written } = await importTasks(env.app, file, { actor: LEADER, now: NOW, onProgress: (d) => progress.push(d) });
    expect(plan.errors).toEqual([]);
    expect(written).toBe(ROWS);
    expect(progress.at(-1)).toBe(ROWS);

    const views = env.app.runner.views;
    const imported = [...views.tasks.values()].filter((t) => t.title.startsWith('Nhiệm vụ thử số '));
    expect(imported).toHaveLength(ROWS);
    const table = taskTable(views, imported.sort((a, b) => a.id.localeCompare(b.id)), { at: NOW, dueSoonDays: 7 });
    const xlsx = join(env.dir, 'export.xlsx');
    const csv = join(env.dir, 'export.csv');
    await writeTables(xlsx, [table]);
    await writeTables(csv, [table]);

    for (const exported of [xlsx, csv]) {
      const sheet = await readSheet(exported);
      const header = sheet[0]!.cells.map(String);
      const col = (name: string) => header.indexOf(name);
      const text = (v: unknown) => (v instanceof Date ? v.toISOString().slice(0, 10) : v === null || v === '' ? null : String(v));
      const byTitle = new Map(sheet.slice(1).map((r) => [String(r.cells[col('Nhiệm vụ')]), r.cells]));
      expect(byTitle.size).toBe(ROWS);
      for (const { expected: e } of generated) {
        const row = byTitle.get(e.title)!;
        expect(row, e.title).toBeDefined();
        expect({
          source: [text(row[col('Văn bản')]), text(row[col('Ngày văn bản')]), text(row[col('Cơ quan ban hành')])],
          lead: text(row[col('Chủ trì')]), coordinators: text(row[col('Phối hợp')]), deadline: text(row[col('Thời hạn')]),
          indicator: text(row[col('Chỉ tiêu')]) === null ? null : {
            code: text(row[col('Chỉ tiêu')]), name: text(row[col('Tên chỉ tiêu')]), unitOfMeasure: text(row[col('Đơn vị tính')]),
            target: Number(row[col('Mục tiêu')]),
          },
        }).toEqual({
          source: [e.sourceNumber, e.sourceDate, e.issuer], lead: e.lead, coordinators: e.coordinators.join(', ') || null,
          deadline: e.deadline, indicator: e.indicator,
        });
      }
      // Read back by the importer, the export is the same tasks: every one found already there, unchanged.
      const before = await eventCount(env.app);
      const again = await importTasks(env.app, exported, { actor: LEADER, now: NOW, dryRun: true });
      expect(again.plan.errors).toEqual([]);
      expect(again.plan.alreadyThere).toHaveLength(ROWS);
      expect(again.plan.tasks).toHaveLength(0);
      expect(await eventCount(env.app)).toBe(before);
    }
  }, 90_000);

  it('reads a CSV as Excel writes it in Vietnamese (BOM, ";"), one task over several rows with an id column', async () => {
    const file = join(env.dir, 'excel-vi.csv');
    writeFileSync(file, '\uFEFF' + [
      'Mã nhiệm vụ;Nhiệm vụ;Số văn bản;Ngày ban hành;Cơ quan ban hành;Đơn vị chủ trì;Đơn vị phối hợp;Thời hạn;Mã chỉ tiêu;Tên chỉ tiêu;ĐVT;Mục tiêu;Ghi chú',
      'CSV-1;Làm sạch dữ liệu tại Cao Bằng;12/KH-UBND;15/03/2026;UBND tỉnh Cao Bằng;Cao Bằng;Bộ Văn hóa, Thể thao và Du lịch, BCA;30/06/2027;POP_DATA_CLEANED;Hồ sơ làm sạch;hồ sơ;"1.500.000";x',
      'CSV-1;;;;;;;;VNEID_L2_ACTIVATED;Tài khoản mức 2;tài khoản;250000,5;',
      'CSV-2;Tuyên truyền VNeID;12/KH-UBND;15/03/2026;UBND tỉnh Cao Bằng;Tỉnh Cao Bằng;;thường xuyên;;;;;',
    ].join('\r\n'), 'utf8');
    const { plan, written } = await importTasks(env.app, file, { actor: LEADER, now: NOW });
    expect(plan.errors).toEqual([]);
    expect(plan.ignoredColumns).toEqual(['Ghi chú']);
    expect(written).toBe(2);
    const t = env.app.runner.views.tasks.get('CSV-1')!;
    expect(t).toMatchObject({ leadUnitId: '04', coordinatorIds: ['BVHTTDL', 'BCA'], deadline: '2027-06-30', source: { number: '12/KH-UBND', date: '2026-03-15' } });
    expect(t.indicators.map((i) => [i.code, i.target])).toEqual([['POP_DATA_CLEANED', 1_500_000], ['VNEID_L2_ACTIVATED', 250000.5]]);
    expect(env.app.runner.views.tasks.get('CSV-2')).toMatchObject({ leadUnitId: '04', deadline: null, indicators: [] });
  });

  it('a re-run of the same import writes nothing new', async () => {
    const before = await eventCount(env.app);
    const { plan, written } = await importTasks(env.app, join(env.dir, 'tasks.xlsx'), { actor: LEADER, now: NOW });
    expect(plan.alreadyThere).toHaveLength(ROWS);
    expect(written).toBe(0);
    expect(await eventCount(env.app)).toBe(before);
  });
});
