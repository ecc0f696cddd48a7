import { foldText } from '../../projections/text.js';

/**
 * The columns a ministry keeps for its task list, by the names they go by in Vietnamese and in
 * English. A header matches when its folded text (no diacritics, lower case, parentheses dropped)
 * or any of its "/"-separated parts is one of the aliases: "Chủ trì", "Đơn vị chủ trì",
 * "chu tri", "Chủ trì / Lead" all name the lead unit.
 */
export const FIELDS = {
  id: { header: 'Mã nhiệm vụ', aliases: ['ma nhiem vu', 'ma nv', 'ma', 'id', 'task id'] },
  stt: { header: 'STT', aliases: ['stt', 'tt', 'so', 'so tt', 'so thu tu', 'no', 'no.', 'number'] },
  title: { header: 'Nhiệm vụ', aliases: ['nhiem vu', 'ten nhiem vu', 'noi dung nhiem vu', 'noi dung', 'title', 'task'] },
  description: { header: 'Mô tả', aliases: ['mo ta', 'mo ta nhiem vu', 'description'] },
  output: { header: 'Sản phẩm', aliases: ['san pham', 'san pham dau ra', 'ket qua dau ra', 'output', 'product'] },
  sourceNumber: { header: 'Văn bản', aliases: ['van ban', 'so van ban', 'so hieu van ban', 'so ky hieu', 'van ban giao nhiem vu', 'source', 'source number', 'document'] },
  sourceDate: { header: 'Ngày văn bản', aliases: ['ngay van ban', 'ngay ban hanh', 'source date', 'document date'] },
  sourceIssuer: { header: 'Cơ quan ban hành', aliases: ['co quan ban hanh', 'noi ban hanh', 'cap ban hanh', 'issuer', 'issued by'] },
  lead: { header: 'Chủ trì', aliases: ['chu tri', 'don vi chu tri', 'co quan chu tri', 'lead', 'lead unit'] },
  coordinators: { header: 'Phối hợp', aliases: ['phoi hop', 'don vi phoi hop', 'co quan phoi hop', 'coordinators', 'coordinating units'] },
  deadline: { header: 'Thời hạn', aliases: ['thoi han', 'thoi han hoan thanh', 'han hoan thanh', 'deadline', 'due date'] },
  indicatorCode: { header: 'Chỉ tiêu', aliases: ['chi tieu', 'ma chi tieu', 'indicator', 'indicator code'] },
  indicatorName: { header: 'Tên chỉ tiêu', aliases: ['ten chi tieu', 'indicator name'] },
  unitOfMeasure: { header: 'Đơn vị tính', aliases: ['don vi tinh', 'dvt', 'unit of measure', 'uom'] },
  target: { header: 'Mục tiêu', aliases: ['muc tieu', 'chi tieu ke hoach', 'gia tri muc tieu', 'target'] },
  confidential: { header: 'Mật', aliases: ['mat', 'do mat', 'confidential'] },
} as const;

export type Field = keyof typeof FIELDS;

/** Fields of the task itself (the rest describe one indicator: a task may span several rows). */
export const TASK_FIELDS: readonly Field[] = [
  'stt', 'title', 'description', 'output', 'sourceNumber', 'sourceDate', 'sourceIssuer', 'lead', 'coordinators', 'deadline', 'confidential',
];
export const INDICATOR_FIELDS: readonly Field[] = ['indicatorCode', 'indicatorName', 'unitOfMeasure', 'target'];
export const REQUIRED_FIELDS: readonly Field[] = ['title', 'sourceNumber', 'sourceDate', 'sourceIssuer', 'lead'];

const byAlias = new Map<string, Field>();
for (const [field, def] of Object.entries(FIELDS) as [Field, (typeof FIELDS)[Field]][]) for (const a of def.aliases) byAlias.set(a, field);

/** The field a header names, if any. */
export function fieldOfHeader(header: string): Field | undefined {
  const folded = foldText(header.replace(/\([^)]*\)|\[[^\]]*\]|\*/g, ' ')).replace(/[:.]+$/, '').trim();
  const whole = byAlias.get(folded);
  if (whole) return whole;
  for (const part of folded.split('/').map((p) => p.trim())) {
    const f = byAlias.get(part);
    if (f) return f;
  }
  return undefined;
}
