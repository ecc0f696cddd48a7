/** Vietnamese labels of tiendo's codes, as the Government Office's reports word them. */
import { DateTime } from 'luxon';
import { ZONE } from '../shared/schemas.js';

export const statusLabel: Record<string, string> = {
  COMPLETED_ON_TIME: 'Đã hoàn thành đúng hạn',
  COMPLETED_LATE: 'Đã hoàn thành quá hạn',
  IN_PROGRESS_ON_TIME: 'Chưa hoàn thành, trong hạn',
  DUE_SOON: 'Chưa hoàn thành, sắp đến hạn',
  OVERDUE: 'Chưa hoàn thành, quá hạn',
  AWAITING_CONFIRMATION: 'Chờ xác nhận hoàn thành',
  PAUSED: 'Tạm hoãn',
  CANCELLED: 'Đã hủy',
  NO_DEADLINE: 'Thường xuyên (không có thời hạn)',
};

export const obstacleCategoryLabel: Record<string, string> = {
  LEGAL: 'Thể chế, pháp lý',
  FUNDING: 'Kinh phí',
  INFRASTRUCTURE: 'Hạ tầng kỹ thuật',
  DATA: 'Dữ liệu',
  HUMAN_RESOURCES: 'Nhân lực',
  COORDINATION: 'Phối hợp liên ngành',
  OTHER: 'Khác',
};

export const obstacleStatusLabel: Record<string, string> = {
  OPEN: 'Chưa xử lý',
  ESCALATED: 'Đã báo cáo cấp trên',
  RESOLVED: 'Đã giải quyết',
  WITHDRAWN: 'Đã rút',
};

export const severityLabel: Record<string, string> = { LOW: 'Thấp', MEDIUM: 'Trung bình', HIGH: 'Cao', CRITICAL: 'Nghiêm trọng' };

export const findingStatusLabel: Record<string, string> = { OPEN: 'Chưa khắc phục', RESPONDED: 'Đã phản hồi, chờ đóng', CLOSED: 'Đã đóng' };

export const complianceLabel: Record<string, string> = { ON_TIME: 'Đúng hạn', LATE: 'Muộn hạn', MISSING: 'Chưa gửi' };

export const changeKindLabel: Record<string, string> = {
  TaskAssigned: 'Giao nhiệm vụ',
  TaskDelegated: 'Phân giao cho đơn vị cấp dưới',
  TaskReassigned: 'Thay đổi đơn vị chủ trì',
  DeadlineExtensionApproved: 'Gia hạn thời hạn',
  TaskCancelled: 'Hủy nhiệm vụ',
  TaskPaused: 'Tạm hoãn',
  TaskResumed: 'Tiếp tục thực hiện',
};

export const fieldLabel: Record<string, string> = {
  title: 'Tên nhiệm vụ', description: 'Mô tả', output: 'Sản phẩm', lead: 'Chủ trì', coordinators: 'Phối hợp',
  deadline: 'Thời hạn', confidential: 'Mật', phase: 'Trạng thái', progress: 'Tiến độ', children: 'Nhiệm vụ phân giao',
};

export const basisKindLabel: Record<string, string> = {
  DOCUMENT: 'Văn bản', OBSTACLE: 'Vướng mắc', FINDING: 'Phát hiện kiểm tra', INSPECTION: 'Đoàn kiểm tra', REPORT: 'Báo cáo',
};

export const rollupLabel: Record<string, string> = { SUM: 'Cộng dồn', AVERAGE: 'Trung bình', MAX: 'Cao nhất', LATEST: 'Số mới nhất' };

export const periodKindLabel: Record<string, string> = {
  DAILY: 'ngày', WEEKLY: 'tuần', MONTHLY: 'tháng', QUARTERLY: 'quý', HALF_YEARLY: '6 tháng', ANNUAL: 'năm',
};

/** 2026-11-14 → 14/11/2026; an instant → its Vietnam date. */
export function viDate(value: string | null | undefined): string {
  if (!value) return '';
  const dt = value.length > 10 ? DateTime.fromISO(value, { zone: 'utc' }).setZone(ZONE) : DateTime.fromISO(value, { zone: ZONE });
  return dt.isValid ? dt.toFormat('dd/MM/yyyy') : value;
}

/** 0.8333 → "83,3%" (Vietnamese decimal comma). */
export function viPercent(rate: number | null | undefined): string {
  if (rate == null) return '—';
  return `${viNumber(Math.round(rate * 1000) / 10)}%`;
}

/** 1234567.5 → "1.234.567,5". */
export function viNumber(n: number | null | undefined): string {
  if (n == null) return '—';
  return new Intl.NumberFormat('vi-VN', { maximumFractionDigits: 2 }).format(n);
}
