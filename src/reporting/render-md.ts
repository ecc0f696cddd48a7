import { type ReportContent, type TableBlock, chartAsTable } from './content.js';

const cell = (s: string) => s.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r?\n/g, '<br>');

function table(out: string[], block: TableBlock): void {
  out.push(`| ${block.columns.map(cell).join(' | ')} |`, `|${block.columns.map(() => ' --- |').join('')}`);
  for (const row of block.rows) out.push(`| ${row.map(cell).join(' | ')} |`);
  out.push('');
}

/** The report as Markdown (GitHub tables). */
export function renderMarkdown(report: ReportContent): string {
  const out: string[] = [`# ${report.title}`, '', `**${report.subtitle}**`, ''];
  for (const line of report.preamble) out.push(`${line}  `);
  out.push('');
  for (const section of report.sections) {
    out.push(`## ${section.heading}`, '');
    for (const block of section.blocks) {
      switch (block.kind) {
        case 'paragraph': out.push(block.bold ? `**${block.text}**` : block.text, ''); break;
        case 'table': table(out, block); break;
        case 'chart': out.push(`**${block.caption}**`, ''); table(out, chartAsTable(block)); break;
        default: { const never: never = block; return never; }
      }
    }
  }
  return `${out.join('\n').trimEnd()}\n`;
}
