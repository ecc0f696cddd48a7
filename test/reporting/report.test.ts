import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDemo } from '../../src/demo/seed.js';
import { parsePeriod } from '../../src/periods/index.js';
import { buildReportContent, type ReportContent } from '../../src/reporting/content.js';
import { makeReport, periodOfKey, writeReport } from '../../src/reporting/report.js';
import type { Actor } from '../../src/shared/schemas.js';
import { docxText, unzipEntry } from '../support/unzip.js';
import { tempApp } from '../support/temp-app.js';

/** The demo's clock: its "last month" (35 days back) is then the monthly period 2026-11. */
const NOW = '2026-11-26T03:00:00.000Z';
const OVERDUE_TITLE = 'Sử dụng thẻ căn cước, ứng dụng VNeID thay thẻ bảo hiểm y tế khi khám chữa bệnh';

/** poppler's pdftotext reads the PDF's text back (.ci/run installs poppler-utils); without it that test is skipped, saying why. */
const hasPdftotext = !spawnSync('pdftotext', ['-v']).error;

/** A pattern for these words, with any run of spaces between them (pdftotext -layout spaces them out). */
const words = (text: string) => text.split(' ').map((w) => w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('\\s+');

const HEADINGS = [
  'BÁO CÁO TÌNH HÌNH THỰC HIỆN NHIỆM VỤ',
  'Kỳ báo cáo: tháng 11/2026 (số liệu từ ngày 15/10/2026 đến ngày 14/11/2026)',
  'I. TỔNG HỢP KẾT QUẢ THỰC HIỆN',
  'II. TÌNH HÌNH THỰC HIỆN CỦA CÁC BỘ, CƠ QUAN NGANG BỘ',
  'III. TÌNH HÌNH THỰC HIỆN CỦA CÁC TỈNH, THÀNH PHỐ',
  'IV. NHIỆM VỤ QUÁ HẠN CHƯA HOÀN THÀNH',
  'V. KHÓ KHĂN, VƯỚNG MẮC CẦN CHO Ý KIẾN CHỈ ĐẠO',
  'VI. KẾT QUẢ KIỂM TRA: PHÁT HIỆN CHƯA KHẮC PHỤC',
  'VII. TÌNH HÌNH CHẤP HÀNH CHẾ ĐỘ BÁO CÁO',
  'VIII. CÁC THAY ĐỔI CAM KẾT TRONG KỲ VÀ LÝ DO',
];

describe('the consolidated report on the demo data', () => {
  let env: Awaited<ReturnType<typeof tempApp>>;
  let report: ReportContent;
  let files: string[];

  beforeAll(async () => {
    env = await tempApp('tiendo-report-');
    await seedDemo(env.app, NOW);
    report = await makeReport(env.app, { period: periodOfKey('2026-11'), unitId: 'GOV', now: NOW });
    files = await writeReport(report, ['docx', 'md', 'pdf'], join(env.dir, 'out'));
  }, 90_000);
  afterAll(async () => env?.dispose());

  it('computes the figures from the read model at the cut-off', () => {
    expect(report.figures.overdue).toBeGreaterThan(0);
    // Demo: province i skips its report when i % 7 == 6 (4 of 34), is late when i % 5 == 4 (6); ministries do not report.
    expect(report.figures.compliance).toEqual({ ON_TIME: 24, LATE: 6, MISSING: 4 + 17, NOT_DUE: 0 });
    // VM-DA06-05 escalated to GOV and the two provinces' obstacles; VM-DA06-04 was resolved in 2022.
    expect(report.figures).toMatchObject({ openObstacles: 3, escalatedObstacles: 1, openFindings: 1, overdueFindings: 1 });
  });

  it('writes a DOCX whose text has the Vietnamese headings, a province and an overdue task', () => {
    const docx = files.find((f) => f.endsWith('.docx'))!;
    expect(docx).toMatch(/bao-cao-GOV-2026-11\.docx$/);
    const text = docxText(unzipEntry(readFileSync(docx), 'word/document.xml').toString('utf8'));
    for (const heading of HEADINGS) expect(text).toContain(heading);
    expect(text).toContain('Thành phố Hà Nội');
    expect(text).toContain('Tỉnh Điện Biên');
    expect(text).toContain(OVERDUE_TITLE);
    expect(text).toContain('Nhiều cơ sở khám chữa bệnh tuyến xã chưa có thiết bị đọc thẻ căn cước gắn chip'); // escalated obstacle
    expect(text).toContain('Một số hồ sơ dân cư chưa được cập nhật sau khi sáp nhập đơn vị hành chính'); // open, overdue finding
    expect(text).not.toContain('Báo cáo định kỳ chưa đầy đủ số liệu chỉ tiêu'); // the closed finding
  });

  it('writes the same content as Markdown', () => {
    const md = readFileSync(files.find((f) => f.endsWith('.md'))!, 'utf8');
    for (const heading of HEADINGS.slice(2)) expect(md).toContain(`## ${heading}`);
    expect(md).toContain(`# ${HEADINGS[0]}`);
    expect(md).toMatch(/\| \d+ \| DA06-05 \| Sử dụng thẻ căn cước, ứng dụng VNeID thay thẻ bảo hiểm y tế khi khám chữa bệnh \| Bộ Y tế \| 30\/06\/2025 \|/);
    expect(md).toMatch(/\| Thành phố Hà Nội \| 15\/11\/2026 \| 1 \| Đúng hạn \|/);
  });

  it('writes a PDF file', () => {
    const pdf = files.find((f) => f.endsWith('.pdf'))!;
    expect(pdf).toMatch(/bao-cao-GOV-2026-11\.pdf$/);
    expect(readFileSync(pdf).subarray(0, 5).toString('latin1')).toBe('%PDF-');
  });

  it.skipIf(!hasPdftotext)(`writes a PDF whose extracted text has the Markdown headings exactly, and the ranked charts of units in rank order${
    hasPdftotext ? '' : ' (skipped: pdftotext not installed — apt-get install poppler-utils)'}`, () => {
    const pdf = files.find((f) => f.endsWith('.pdf'))!;
    // -layout keeps each chart row on one line.
    const lines = execFileSync('pdftotext', ['-layout', '-enc', 'UTF-8', pdf, '-'], { encoding: 'utf8', maxBuffer: 64 << 20 })
      .normalize('NFC').split('\n').map((l) => l.trim());
    const md = readFileSync(files.find((f) => f.endsWith('.md'))!, 'utf8').normalize('NFC');
    const headings = md.split('\n').filter((l) => l.startsWith('#')).map((l) => l.replace(/^#+ /, ''));
    expect(headings).toEqual([HEADINGS[0], ...HEADINGS.slice(2)]);
    for (const heading of [...headings, HEADINGS[1]!]) expect(lines, heading).toContain(heading);

    const charts = report.sections.flatMap((s) => s.blocks).filter((b) => b.kind === 'chart');
    expect(charts.map((c) => c.bars.length)).toEqual([17, 34]);
    for (const chart of charts) {
      let at = lines.indexOf(chart.caption);
      expect(at, chart.caption).toBeGreaterThan(-1);
      chart.bars.forEach((bar, i) => {
        const row = new RegExp(`^${i + 1}\\s+${words(bar.label)}\\s+${words(bar.text)}$`);
        const next = lines.findIndex((l, n) => n > at && row.test(l));
        expect(next, `chart row ${i + 1}: ${bar.label} (${bar.text}) after line ${at}`).toBeGreaterThan(at);
        at = next;
      });
    }
    expect(lines.join('\n')).toContain(OVERDUE_TITLE.split(' ').slice(0, 6).join(' '));
  });

  it('ranks the chart as the dashboard does: on-time rate, then fewest overdue', () => {
    const provinces = report.sections[2]!.blocks.find((b) => b.kind === 'chart')!;
    expect(provinces.kind === 'chart' && provinces.label).toBe('Tỉnh, thành phố');
    const values = provinces.kind === 'chart' ? provinces.bars.map((b) => b.value ?? -1) : [];
    expect(values).toEqual([...values].sort((a, b) => b - a));
    expect(new Set(values).size).toBeGreaterThan(1);
  });

  it('lists the commitments changed in a period with their reasons and basis', async () => {
    const year2022 = await makeReport(env.app, { period: parsePeriod('ANNUAL', '2022'), unitId: 'GOV', now: NOW });
    const changes = year2022.sections.find((s) => s.heading.includes('THAY ĐỔI CAM KẾT'))!.blocks[0]!;
    expect(changes.kind).toBe('table');
    const rows = changes.kind === 'table' ? changes.rows : [];
    const extension = rows.find((r) => r[3] === 'Gia hạn thời hạn')!;
    expect(extension).toBeDefined();
    expect(extension[2]).toContain('DA06-04');
    expect(extension[4]).toBe('Thời hạn: 30/06/2022 → 31/12/2022');
    expect(extension[5]).toBe('Đồng ý gia hạn theo kết luận của Tổ công tác');
    expect(extension[6]).toContain('Vướng mắc: VM-DA06-04');
    // Delegations count once (the 34 child tasks they assign are not listed apart).
    expect(rows.filter((r) => r[3] === 'Phân giao cho đơn vị cấp dưới').map((r) => r[4])).toEqual(['Phân giao cho 34 đơn vị', 'Phân giao cho 34 đơn vị']);
    expect(rows.some((r) => r[2]!.startsWith('DA06-01/'))).toBe(false);
  });

  it('is a pure function of its input', async () => {
    const views = env.app.runner.views;
    const input = {
      views, live: views, unitId: 'GOV', period: periodOfKey('2026-11'), at: NOW, generatedAt: NOW, dueSoonDays: 7,
      dueRules: env.app.config.TIENDO_REPORT_DUE_DAYS, changes: [],
    };
    expect(buildReportContent(input)).toEqual(buildReportContent(input));
  });
});

describe('the report\'s indicator table', () => {
  let env: Awaited<ReturnType<typeof tempApp>>;
  beforeAll(async () => {
    env = await tempApp('tiendo-report-rollup-');
  }, 30_000);
  afterAll(async () => env?.dispose());

  it('names each indicator\'s roll-up and shows an AVERAGE indicator\'s mean, with its children\'s targets', async () => {
    const { app } = env;
    const ctx = (actor: Actor) => ({ actor, now: NOW, correlationId: 'report-rollup' });
    const admin: Actor = { id: 'admin', role: 'admin', unit: 'GOV' };
    const leader: Actor = { id: 'leader', role: 'leader', unit: 'GOV' };
    const done = async (p: Promise<{ position: string }>) => app.runner.waitFor((await p).position);
    for (const [id, kind, parentId] of [['GOV', 'GOVERNMENT', undefined], ['BCA', 'MINISTRY', 'GOV'], ['01', 'PROVINCE', 'GOV'], ['79', 'PROVINCE', 'GOV']] as const) {
      await done(app.units.register({ id, kind, name: `Đơn vị ${id}`, ...(parentId ? { parentId } : {}) }, ctx(admin)));
    }
    await done(app.tasks.assign({
      id: 'DVC', title: 'Dịch vụ công trực tuyến toàn trình', source: { number: '06/QĐ-TTg', date: '2022-01-06', issuer: 'Thủ tướng Chính phủ' },
      leadUnitId: 'BCA', deadline: '2030-12-31',
      indicators: [
        { code: 'ONLINE_RATE', name: 'Tỷ lệ hồ sơ trực tuyến toàn trình', unitOfMeasure: '%', target: null, rollup: 'AVERAGE' },
        { code: 'RECORDS', name: 'Hồ sơ được số hóa', unitOfMeasure: 'hồ sơ', target: 5000 },
      ],
    }, ctx(leader)));
    await done(app.tasks.delegate({ taskId: 'DVC', to: [
      { leadUnitId: '01', targets: [{ code: 'ONLINE_RATE', value: 80 }] }, { leadUnitId: '79', targets: [{ code: 'ONLINE_RATE', value: 60 }] },
    ] }, ctx(leader)).then((d) => d.result));
    for (const [unit, rate, records] of [['01', 95, 1000], ['79', 45, 2000]] as const) {
      await done(app.tasks.reportProgress({ taskId: `DVC/${unit}`, indicators: [{ code: 'ONLINE_RATE', value: rate }, { code: 'RECORDS', value: records }], note: 'Số liệu' },
        ctx({ id: `focal-${unit}`, role: 'focal_point', unit })));
    }
    const report = await makeReport(app, { period: periodOfKey('2026-11'), unitId: 'GOV', now: NOW, asOf: NOW });
    const table = report.sections[0]!.blocks.find((b) => b.kind === 'table' && b.columns[0] === 'Mã chỉ tiêu');
    expect(table?.kind === 'table' && table.columns).toContain('Cách tổng hợp');
    expect(table?.kind === 'table' && table.rows).toEqual([
      ['ONLINE_RATE', 'Tỷ lệ hồ sơ trực tuyến toàn trình', '%', 'Trung bình', '70', '70', '100%'],
      ['RECORDS', 'Hồ sơ được số hóa', 'hồ sơ', 'Cộng dồn', '5.000', '3.000', '60%'],
    ]);
  });
});
