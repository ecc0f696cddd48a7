import type { ReportContent } from './content.js';

const cell = (s: string) => s.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r?\n/g, '<br>');

/** The report as Markdown (GitHub tables). */
export function renderMarkdown(report: ReportContent): string {
  const out: string[] = [`# ${report.title}`, '', `**${report.subtitle}**`, ''];
  for (const line of report.preamble) out.push(`${line}  `);
  out.push('');
  for (const section of report.sections) {
    out.push(`## ${section.heading}`, '');
    for (const block of section.blocks) {
      if (block.kind === 'paragraph') out.push(block.bold ? `**${block.text}**` : block.text, '');
      else {
        out.push(`| ${block.columns.map(cell).join(' | ')} |`, `|${block.columns.map(() => ' --- |').join('')}`);
        for (const row of block.rows) out.push(`| ${row.map(cell).join(' | ')} |`);
        out.push('');
      }
    }
  }
  return `${out.join('\n').trimEnd()}\n`;
}
