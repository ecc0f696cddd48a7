/**
 * The report as PDF (pdfkit), for ministries that file signed PDF documents. The PDF standard
 * fonts have no Vietnamese letters, so Noto Serif (SIL Open Font License, which allows embedding)
 * is embedded from its npm package: the file shows and extracts the same on any machine.
 * Landscape A4 with 2 cm margins, like the DOCX.
 */
import { createRequire } from 'node:module';
import PDFDocument from 'pdfkit';
import type { ChartBlock, ReportContent, TableBlock } from './content.js';

const require = createRequire(import.meta.url);
const font = (file: string) => require.resolve(`@expo-google-fonts/noto-serif/${file}`);
const REGULAR = font('400Regular/NotoSerif_400Regular.ttf');
const BOLD = font('700Bold/NotoSerif_700Bold.ttf');
const ITALIC = font('400Regular_Italic/NotoSerif_400Regular_Italic.ttf');

const MARGIN = 56.7; // 2 cm in points
const SIZE = { title: 15, subtitle: 12, text: 11, heading: 12.5, cell: 8.5, chart: 8.5, footer: 8 };
const PAD = 3;
const HEADER_FILL = '#e7e6e6';
const BAR_FILL = '#2f5d8a';
const RULE = '#808080';

type Doc = PDFKit.PDFDocument;

const bottom = (doc: Doc) => doc.page.height - doc.page.margins.bottom;
const width = (doc: Doc) => doc.page.width - doc.page.margins.left - doc.page.margins.right;

/** Starts a new page unless `height` still fits on this one. */
function room(doc: Doc, height: number): void {
  if (doc.y + height > bottom(doc)) doc.addPage();
}

function paragraph(doc: Doc, text: string, bold = false): void {
  doc.font(bold ? 'bold' : 'regular').fontSize(SIZE.text);
  doc.text(text, doc.page.margins.left, doc.y, { width: width(doc), align: 'justify', paragraphGap: 4 });
}

function table(doc: Doc, block: TableBlock): void {
  const weights = block.widths ?? block.columns.map(() => 1);
  const sum = weights.reduce((a, b) => a + b, 0);
  const widths = weights.map((w) => (width(doc) * w) / sum);
  const left = doc.page.margins.left;
  const heightOf = (cells: string[], header: boolean) => {
    doc.font(header ? 'bold' : 'regular').fontSize(SIZE.cell);
    return Math.max(...cells.map((text, i) => doc.heightOfString(text || ' ', { width: widths[i]! - 2 * PAD }))) + 2 * PAD;
  };
  const draw = (cells: string[], header: boolean, height: number) => {
    const top = doc.y;
    let x = left;
    doc.font(header ? 'bold' : 'regular').fontSize(SIZE.cell).lineWidth(0.5);
    cells.forEach((text, i) => {
      const w = widths[i]!;
      if (header) doc.rect(x, top, w, height).fillAndStroke(HEADER_FILL, RULE);
      else doc.rect(x, top, w, height).stroke(RULE);
      doc.fillColor('black').text(text, x + PAD, top + PAD, { width: w - 2 * PAD, align: header ? 'center' : 'left', lineBreak: true });
      x += w;
    });
    doc.x = left;
    doc.y = top + height;
  };
  const headerHeight = heightOf(block.columns, true);
  // The header goes on a page with at least one row under it, and again on every page the table runs onto.
  room(doc, headerHeight + (block.rows[0] ? heightOf(block.rows[0], false) : 0));
  draw(block.columns, true, headerHeight);
  for (const row of block.rows) {
    const height = heightOf(row, false);
    if (doc.y + height > bottom(doc)) {
      doc.addPage();
      draw(block.columns, true, headerHeight);
    }
    draw(row, false, height);
  }
  doc.moveDown(0.8);
}

function chart(doc: Doc, block: ChartBlock): void {
  const left = doc.page.margins.left;
  const rank = 22;
  const label = Math.min(220, width(doc) * 0.3);
  const value = 210;
  const bar = width(doc) - rank - label - value - 12;
  const rowHeight = SIZE.chart + 5;
  const caption = (text: string) => {
    doc.font('bold').fontSize(SIZE.text).fillColor('black').text(text, left, doc.y, { width: width(doc) });
    doc.moveDown(0.3);
  };
  // The whole chart on one page when a page can hold it.
  room(doc, Math.min(SIZE.text * 2 + rowHeight * block.bars.length, bottom(doc) - doc.page.margins.top));
  caption(block.caption);
  block.bars.forEach((b, i) => {
    if (doc.y + rowHeight > bottom(doc)) {
      doc.addPage();
      caption(`${block.caption} (tiếp)`);
    }
    const top = doc.y;
    doc.font('regular').fontSize(SIZE.chart).fillColor('black');
    doc.text(String(i + 1), left, top, { width: rank - 4, align: 'right', lineBreak: false });
    doc.text(b.label, left + rank, top, { width: label - 6, align: 'right', lineBreak: false, ellipsis: true });
    const x = left + rank + label;
    doc.lineWidth(0.5).rect(x, top, bar, rowHeight - 3).stroke('#d0d0d0');
    if (b.value) doc.rect(x, top, bar * Math.min(1, b.value), rowHeight - 3).fill(BAR_FILL);
    doc.fillColor('black').text(b.text, x + bar + 6, top, { width: value, lineBreak: false });
    doc.x = left;
    doc.y = top + rowHeight;
  });
  doc.moveDown(0.8);
}

export async function renderPdf(report: ReportContent): Promise<Buffer> {
  const doc = new PDFDocument({
    size: 'A4', layout: 'landscape', margins: { top: MARGIN, bottom: MARGIN, left: MARGIN, right: MARGIN },
    bufferPages: true, font: REGULAR, lang: 'vi-VN', displayTitle: true,
    info: { Title: `${report.title} — ${report.subtitle}`, Author: 'tiendo', Creator: 'tiendo' },
  });
  doc.registerFont('regular', REGULAR).registerFont('bold', BOLD).registerFont('italic', ITALIC);
  const chunks: Buffer[] = [];
  doc.on('data', (chunk: Buffer) => chunks.push(chunk));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });

  doc.font('bold').fontSize(SIZE.title).text(report.title, { align: 'center' });
  doc.font('italic').fontSize(SIZE.subtitle).text(report.subtitle, { align: 'center' });
  doc.moveDown(0.8);
  doc.font('regular').fontSize(SIZE.text);
  for (const line of report.preamble) doc.text(line);
  for (const section of report.sections) {
    doc.moveDown(0.8);
    room(doc, SIZE.heading * 4);
    doc.font('bold').fontSize(SIZE.heading).text(section.heading, doc.page.margins.left, doc.y, { width: width(doc) });
    doc.moveDown(0.4);
    for (const block of section.blocks) {
      switch (block.kind) {
        case 'paragraph': paragraph(doc, block.text, block.bold); break;
        case 'table': table(doc, block); break;
        case 'chart': chart(doc, block); break;
        default: {
          const never: never = block;
          return never;
        }
      }
    }
  }

  // Page numbers, once the page count is known.
  const { start, count } = doc.bufferedPageRange();
  for (let i = start; i < start + count; i++) {
    doc.switchToPage(i);
    // Written inside the bottom margin: pdfkit would otherwise start a new page for it.
    doc.page.margins.bottom = 0;
    doc.font('regular').fontSize(SIZE.footer).fillColor('#505050');
    doc.text(`Trang ${i + 1}/${count}`, doc.page.margins.left, doc.page.height - MARGIN / 2 - SIZE.footer, {
      width: width(doc), align: 'center', lineBreak: false,
    });
  }
  doc.end();
  return done;
}
