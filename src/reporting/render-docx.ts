/**
 * The report as a Word document (docx, no fonts embedded or fetched: Word or LibreOffice shows
 * the Vietnamese text in Times New Roman, the font of administrative documents under Decree
 * 30/2020/NĐ-CP). Landscape A4, for the wide tables.
 */
import {
  AlignmentType, Document, HeadingLevel, Packer, PageOrientation, Paragraph, ShadingType, Table, TableCell, TableLayoutType,
  TableRow, TextRun, WidthType,
} from 'docx';
import { type ReportContent, type TableBlock, chartAsTable } from './content.js';

const FONT = 'Times New Roman';
/** Usable width of landscape A4 with 2 cm margins, in twentieths of a point. */
const PAGE_WIDTH = 16838 - 2 * 1134;

const paragraph = (text: string, bold: boolean) =>
  new Paragraph({ spacing: { after: 120 }, alignment: AlignmentType.JUSTIFIED, children: [new TextRun({ text, bold, size: 26, font: FONT })] });

function table(block: TableBlock): Table {
  const weights = block.widths ?? block.columns.map(() => 1);
  const sum = weights.reduce((a, b) => a + b, 0);
  const widths = weights.map((w) => Math.floor((PAGE_WIDTH * w) / sum));
  const row = (cells: string[], header: boolean) => new TableRow({
    tableHeader: header,
    cantSplit: true,
    children: cells.map((text, i) => new TableCell({
      width: { size: widths[i] ?? 1000, type: WidthType.DXA },
      ...(header ? { shading: { type: ShadingType.CLEAR, fill: 'E7E6E6', color: 'auto' } } : {}),
      children: text.split('\n').map((line) => new Paragraph({
        alignment: header ? AlignmentType.CENTER : AlignmentType.LEFT,
        children: [new TextRun({ text: line, bold: header, size: 22, font: FONT })],
      })),
    })),
  });
  return new Table({
    width: { size: PAGE_WIDTH, type: WidthType.DXA },
    columnWidths: widths,
    layout: TableLayoutType.FIXED,
    rows: [row(block.columns, true), ...block.rows.map((r) => row(r, false))],
  });
}

export async function renderDocx(report: ReportContent): Promise<Buffer> {
  const children: (Paragraph | Table)[] = [
    new Paragraph({ alignment: AlignmentType.CENTER, heading: HeadingLevel.TITLE, children: [new TextRun({ text: report.title, bold: true, size: 30, font: FONT })] }),
    new Paragraph({ alignment: AlignmentType.CENTER, spacing: { after: 240 }, children: [new TextRun({ text: report.subtitle, italics: true, size: 26, font: FONT })] }),
    ...report.preamble.map((line) => new Paragraph({ children: [new TextRun({ text: line, size: 24, font: FONT })] })),
  ];
  for (const section of report.sections) {
    children.push(new Paragraph({
      heading: HeadingLevel.HEADING_1, spacing: { before: 300, after: 120 },
      children: [new TextRun({ text: section.heading, bold: true, size: 26, font: FONT, color: '000000' })],
    }));
    for (const block of section.blocks) {
      switch (block.kind) {
        case 'paragraph':
          children.push(paragraph(block.text, block.bold ?? false));
          break;
        case 'table':
          children.push(table(block), new Paragraph({ children: [] }));
          break;
        case 'chart':
          children.push(paragraph(block.caption, true), table(chartAsTable(block)), new Paragraph({ children: [] }));
          break;
        default: {
          const never: never = block;
          return never;
        }
      }
    }
  }
  const doc = new Document({
    creator: 'tiendo',
    title: `${report.title} — ${report.subtitle}`,
    styles: { default: { document: { run: { font: FONT, size: 26 } } } },
    sections: [{
      properties: { page: { size: { orientation: PageOrientation.LANDSCAPE, width: 11906, height: 16838 }, margin: { top: 1134, bottom: 1134, left: 1134, right: 1134 } } },
      children,
    }],
  });
  return Packer.toBuffer(doc);
}
