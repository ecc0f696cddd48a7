/** Labels in Vietnamese (default) and English, and locale-aware formatting. */

const vi = {
  appName: 'Tiến độ Đề án 06',
  appTagline: 'Theo dõi tiến độ thực hiện nhiệm vụ Đề án 06/CP',
  skip: 'Bỏ qua, đến nội dung chính',
  navMain: 'Điều hướng chính',
  navProgramme: 'Tổng quan',
  navCompare: 'So sánh hai thời điểm',
  searchLabel: 'Tìm nhiệm vụ (gõ có dấu hoặc không dấu)',
  searchPlaceholder: 'Tìm nhiệm vụ, đơn vị… (vd: ha noi)',
  searchButton: 'Tìm',
  asOfLabel: 'Số liệu tại ngày',
  asOfToday: 'Hôm nay',
  asOfApply: 'Xem',
  asOfBanner: 'Đang xem số liệu lịch sử, chốt đến hết ngày {date}.',
  asOfBack: 'Về số liệu hiện tại',
  language: 'Ngôn ngữ',
  signOut: 'Đăng xuất',
  signedInAs: 'Đăng nhập với tư cách',
  loading: 'Đang tải…',
  retry: 'Thử lại',
  errorTitle: 'Không tải được dữ liệu',
  notFound: 'Không tìm thấy trang này.',
  backHome: 'Về trang tổng quan',
  footer: 'Mọi số liệu được tính từ nhật ký sự kiện của hệ thống tiendo; mỗi thay đổi đều có lý do và căn cứ.',
  dataAt: 'Số liệu tại {at}',
  liveData: 'hiện tại',
  showTable: 'Xem bảng số liệu',
  none: 'Không có',
  more: 'Xem thêm',
  shownOf: 'Hiển thị {shown}/{total}',
  // sign-in
  signInTitle: 'Đăng nhập',
  signInIntro: 'Nhập mã truy cập (token) do quản trị hệ thống cấp. Mã chỉ được giữ trong thẻ trình duyệt này và mất đi khi đóng thẻ.',
  tokenLabel: 'Mã truy cập',
  tokenHint: 'Bản trình diễn in mã của lãnh đạo ("leader token") khi máy chủ khởi động; có thể tạo mã bằng lệnh npx tiendo token.',
  signInButton: 'Đăng nhập',
  signInFailed: 'Mã truy cập không hợp lệ hoặc đã hết hạn.',
  sessionExpired: 'Phiên làm việc đã hết hạn hoặc mã không còn hiệu lực. Vui lòng đăng nhập lại.',
  // programme
  programmeTitle: 'Tổng quan thực hiện Đề án 06',
  kpiTotal: 'Tổng số nhiệm vụ',
  kpiOnTime: 'Hoàn thành đúng hạn',
  kpiLate: 'Hoàn thành quá hạn',
  kpiOverdue: 'Chưa hoàn thành, quá hạn',
  kpiDueSoon: 'Sắp đến hạn',
  kpiRate: 'Tỷ lệ hoàn thành đúng hạn',
  kpiObstacles: 'Khó khăn, vướng mắc chưa giải quyết',
  kpiFindings: 'Phát hiện kiểm tra chưa khắc phục',
  ministriesTitle: 'Bộ, cơ quan ngang bộ — xếp hạng theo tỷ lệ đúng hạn',
  provincesTitle: 'Tỉnh, thành phố — xếp hạng theo tỷ lệ đúng hạn',
  colRank: 'Hạng',
  colUnit: 'Đơn vị',
  colRate: 'Tỷ lệ đúng hạn',
  colTasks: 'Nhiệm vụ',
  colOverdue: 'Quá hạn',
  colObstacles: 'Vướng mắc',
  colCompleted: 'Đã hoàn thành',
  colKind: 'Loại',
  noTasksUnits: '{n} đơn vị chưa được giao nhiệm vụ: {names}.',
  rateNone: 'chưa có nhiệm vụ hoàn thành',
  overdueByUnit: 'Số nhiệm vụ quá hạn theo đơn vị',
  noOverdue: 'Không có nhiệm vụ quá hạn.',
  overdueTasks: 'Nhiệm vụ chưa hoàn thành, quá hạn',
  allOverdue: 'Xem tất cả nhiệm vụ quá hạn',
  daysLate: 'quá {n} ngày',
  trendTitle: 'Diễn biến thực hiện theo quý',
  trendIntro: 'Số nhiệm vụ theo tình trạng tại ngày cuối mỗi quý; nhãn trên cột là tỷ lệ hoàn thành đúng hạn.',
  trendShow: 'Xem diễn biến theo quý',
  trendPoint: 'Thời điểm',
  trendNow: 'Hiện tại',
  groupOnTime: 'Hoàn thành đúng hạn',
  groupLate: 'Hoàn thành quá hạn',
  groupOpen: 'Đang thực hiện, trong hạn',
  groupOverdue: 'Quá hạn',
  obstaclesTitle: 'Khó khăn, vướng mắc theo nhóm',
  obstaclesPending: 'API chưa cung cấp số liệu khó khăn, vướng mắc theo nhóm (programmeDashboard.obstaclesByCategory). Mục này sẽ tự hiển thị khi API có số liệu.',
  obstaclesNone: 'Không có khó khăn, vướng mắc đang mở.',
  obstaclesTotal: 'Tổng số đang mở: {n}',
  obstaclesOpenList: 'Do đơn vị (và đơn vị trực thuộc) nêu, chưa giải quyết',
  taskObstacles: 'Khó khăn, vướng mắc của nhiệm vụ',
  obstacleProposed: 'Đề xuất, kiến nghị',
  obstacleResolution: 'Kết quả giải quyết',
  findingsTitle: 'Phát hiện kiểm tra chưa khắc phục',
  findingRecommendation: 'Kiến nghị',
  findingResponse: 'Phản hồi của đơn vị',
  findingDue: 'hạn khắc phục {date}',
  findingOverdue: 'quá hạn khắc phục',
  raisedAt: 'nêu lúc {at}',
  // unit
  unitTasksByStatus: 'Nhiệm vụ theo tình trạng',
  unitIndicators: 'Chỉ tiêu: kết quả so với mục tiêu',
  unitChildren: 'Đơn vị trực thuộc',
  unitOverdue: 'Nhiệm vụ quá hạn',
  unitTasks: 'Nhiệm vụ do đơn vị (và đơn vị trực thuộc) chủ trì',
  unitCoordinated: 'Nhiệm vụ đơn vị phối hợp thực hiện',
  unitCompare: 'So sánh hai thời điểm của đơn vị này',
  unitCode: 'Mã',
  unitPrevious: 'Tên cũ',
  unitMissing: 'Đơn vị {id} chưa tồn tại hoặc không tìm thấy tại thời điểm này.',
  noIndicators: 'Chưa có chỉ tiêu.',
  noChildren: 'Không có đơn vị trực thuộc.',
  idleChildren: '{n} đơn vị trực thuộc chưa chủ trì nhiệm vụ nào',
  otherChildren: '{n} đơn vị trực thuộc khác',
  currentObstacles: 'Danh sách theo tình trạng hiện tại (chỉ những vướng mắc nêu trước ngày đang xem).',
  noTasks: 'Không có nhiệm vụ.',
  target: 'mục tiêu',
  // task
  taskId: 'Mã nhiệm vụ',
  taskDetails: 'Thông tin nhiệm vụ',
  taskSource: 'Văn bản giao',
  taskSourceValue: '{number} ngày {date} của {issuer}',
  taskLead: 'Đơn vị chủ trì',
  taskCoordinators: 'Đơn vị phối hợp',
  taskDeadline: 'Thời hạn',
  taskNoDeadline: 'Thường xuyên (không có thời hạn)',
  taskProgress: 'Tiến độ',
  taskStatus: 'Tình trạng',
  taskCompletedOn: 'Ngày hoàn thành',
  taskPending: 'Đề nghị gia hạn đang chờ quyết định',
  taskPendingValue: 'đến {date} (đề nghị lúc {at})',
  taskDescription: 'Mô tả',
  taskOutput: 'Sản phẩm đầu ra',
  taskBasis: 'Căn cứ',
  taskParent: 'Nhiệm vụ cấp trên',
  taskChildren: 'Nhiệm vụ giao cho đơn vị cấp dưới',
  taskIndicators: 'Chỉ tiêu',
  taskTimeline: 'Diễn biến, thay đổi',
  taskTimelineIntro: 'Mọi thay đổi theo thứ tự thời gian: ai, khi nào, thay đổi gì (từ → thành), lý do và căn cứ. Giờ Việt Nam (UTC+7).',
  taskConfidential: 'Mật',
  taskMissing: 'Không tìm thấy nhiệm vụ {id} (chưa được giao tại thời điểm này, hoặc bạn không có quyền xem).',
  taskAssignedAt: 'Ngày giao',
  reason: 'Lý do',
  basis: 'Căn cứ',
  by: 'Người thực hiện',
  recordedAt: 'ghi nhận ngày {at}',
  // compare
  compareTitle: 'So sánh hai thời điểm',
  compareIntro: 'Những nhiệm vụ được thêm, bị loại và thay đổi (thời hạn, đơn vị chủ trì, chỉ tiêu, tiến độ…) giữa hai ngày.',
  compareUnit: 'Đơn vị',
  compareFrom: 'Từ ngày',
  compareTo: 'Đến ngày',
  compareRun: 'So sánh',
  compareChoose: 'Chọn đơn vị và hai ngày cần so sánh',
  compareAdded: 'Nhiệm vụ mới được giao',
  compareRemoved: 'Nhiệm vụ bị hủy hoặc chuyển đi',
  compareChanged: 'Nhiệm vụ có thay đổi',
  compareSummary: '{added} thêm mới · {removed} bị loại · {changed} thay đổi',
  compareBadRange: 'Ngày bắt đầu phải trước ngày kết thúc.',
  compareChanges: 'Thay đổi',
  // search
  searchTitle: 'Kết quả tìm kiếm',
  searchFor: 'Tìm “{q}”: {n} nhiệm vụ',
  searchStatus: 'Nhiệm vụ có tình trạng “{s}”: {n}',
  searchEmpty: 'Nhập từ khóa để tìm nhiệm vụ.',
  searchUnits: 'Đơn vị phù hợp',
  colTask: 'Nhiệm vụ',
  colLead: 'Chủ trì',
  colDeadline: 'Thời hạn',
  colStatus: 'Tình trạng',
  colProgress: 'Tiến độ',
  colResult: 'Kết quả / mục tiêu',
  yes: 'Có',
  no: 'Không',
};

export type Key = keyof typeof vi;

const en: Record<Key, string> = {
  appName: 'Project 06 progress',
  appTagline: 'Tracking the tasks of Project 06 (Đề án 06/CP)',
  skip: 'Skip to main content',
  navMain: 'Main navigation',
  navProgramme: 'Overview',
  navCompare: 'Compare two dates',
  searchLabel: 'Search tasks (with or without diacritics)',
  searchPlaceholder: 'Search tasks, units… (e.g. ha noi)',
  searchButton: 'Search',
  asOfLabel: 'Figures as of',
  asOfToday: 'Today',
  asOfApply: 'Show',
  asOfBanner: 'You are looking at historical figures, as of the end of {date}.',
  asOfBack: 'Back to current figures',
  language: 'Language',
  signOut: 'Sign out',
  signedInAs: 'Signed in as',
  loading: 'Loading…',
  retry: 'Try again',
  errorTitle: 'The data could not be loaded',
  notFound: 'This page does not exist.',
  backHome: 'Back to the overview',
  footer: 'Every figure is computed from tiendo’s event log; every change carries a reason and a basis.',
  dataAt: 'Figures as of {at}',
  liveData: 'now',
  showTable: 'Show the figures as a table',
  none: 'None',
  more: 'Show more',
  shownOf: 'Showing {shown} of {total}',
  signInTitle: 'Sign in',
  signInIntro: 'Enter the access token issued by the administrator. It is kept in this browser tab only and forgotten when the tab closes.',
  tokenLabel: 'Access token',
  tokenHint: 'The demo prints a "leader token" when the server starts; tokens can also be minted with npx tiendo token.',
  signInButton: 'Sign in',
  signInFailed: 'The token is invalid or has expired.',
  sessionExpired: 'Your session has expired or the token is no longer valid. Please sign in again.',
  programmeTitle: 'Project 06 at a glance',
  kpiTotal: 'Tasks',
  kpiOnTime: 'Completed on time',
  kpiLate: 'Completed late',
  kpiOverdue: 'Not completed, overdue',
  kpiDueSoon: 'Due soon',
  kpiRate: 'On-time completion rate',
  kpiObstacles: 'Open obstacles',
  kpiFindings: 'Open inspection findings',
  ministriesTitle: 'Ministries and agencies — ranked by on-time rate',
  provincesTitle: 'Provinces and cities — ranked by on-time rate',
  colRank: 'Rank',
  colUnit: 'Unit',
  colRate: 'On-time rate',
  colTasks: 'Tasks',
  colOverdue: 'Overdue',
  colObstacles: 'Obstacles',
  colCompleted: 'Completed',
  colKind: 'Kind',
  noTasksUnits: '{n} units have no tasks yet: {names}.',
  rateNone: 'nothing completed yet',
  overdueByUnit: 'Overdue tasks by unit',
  noOverdue: 'No task is overdue.',
  overdueTasks: 'Tasks not completed and overdue',
  allOverdue: 'See all overdue tasks',
  daysLate: '{n} days late',
  trendTitle: 'Progress quarter by quarter',
  trendIntro: 'Tasks by status at the end of each quarter; the label above each column is the on-time completion rate.',
  trendShow: 'Show the quarterly trend',
  trendPoint: 'As of',
  trendNow: 'Now',
  groupOnTime: 'Completed on time',
  groupLate: 'Completed late',
  groupOpen: 'In progress, within deadline',
  groupOverdue: 'Overdue',
  obstaclesTitle: 'Obstacles by category',
  obstaclesPending: 'The API does not offer obstacles by category yet (programmeDashboard.obstaclesByCategory). This panel fills itself in once it does.',
  obstaclesNone: 'No open obstacles.',
  obstaclesTotal: 'Open in all: {n}',
  obstaclesOpenList: 'Raised by this unit (or below it), still open',
  taskObstacles: "The task's obstacles",
  obstacleProposed: 'Proposed solution',
  obstacleResolution: 'Resolution',
  findingsTitle: 'Open inspection findings',
  findingRecommendation: 'Recommendation',
  findingResponse: "The unit's response",
  findingDue: 'due {date}',
  findingOverdue: 'past its due date',
  raisedAt: 'raised {at}',
  unitTasksByStatus: 'Tasks by status',
  unitIndicators: 'Indicators: results against targets',
  unitChildren: 'Subordinate units',
  unitOverdue: 'Overdue tasks',
  unitTasks: 'Tasks led by this unit (and its subordinate units)',
  unitCoordinated: 'Tasks this unit coordinates',
  unitCompare: 'Compare two dates for this unit',
  unitCode: 'Code',
  unitPrevious: 'Former names',
  unitMissing: 'Unit {id} does not exist or was not found at this date.',
  noIndicators: 'No indicators.',
  noChildren: 'No subordinate units.',
  idleChildren: '{n} subordinate units lead no task',
  otherChildren: '{n} other subordinate units',
  currentObstacles: 'Listed as they stand today (only those raised before the date shown).',
  noTasks: 'No tasks.',
  target: 'target',
  taskId: 'Task id',
  taskDetails: 'Task details',
  taskSource: 'Assigned by',
  taskSourceValue: '{number} of {date}, {issuer}',
  taskLead: 'Lead unit',
  taskCoordinators: 'Coordinating units',
  taskDeadline: 'Deadline',
  taskNoDeadline: 'Recurring (no deadline)',
  taskProgress: 'Progress',
  taskStatus: 'Status',
  taskCompletedOn: 'Completed on',
  taskPending: 'Extension request awaiting a decision',
  taskPendingValue: 'to {date} (requested {at})',
  taskDescription: 'Description',
  taskOutput: 'Expected output',
  taskBasis: 'Basis',
  taskParent: 'Parent task',
  taskChildren: 'Tasks delegated to subordinate units',
  taskIndicators: 'Indicators',
  taskTimeline: 'Timeline of changes',
  taskTimelineIntro: 'Every change in order: who, when, what changed (from → to), the reason and the basis. Times are Vietnam time (UTC+7).',
  taskConfidential: 'Confidential',
  taskMissing: 'Task {id} was not found (not yet assigned at this date, or you may not see it).',
  taskAssignedAt: 'Assigned on',
  reason: 'Reason',
  basis: 'Basis',
  by: 'By',
  recordedAt: 'recorded on {at}',
  compareTitle: 'Compare two dates',
  compareIntro: 'Tasks added, removed and changed (deadline, lead unit, targets, progress…) between two dates.',
  compareUnit: 'Unit',
  compareFrom: 'From',
  compareTo: 'To',
  compareRun: 'Compare',
  compareChoose: 'Choose a unit and two dates',
  compareAdded: 'Tasks added',
  compareRemoved: 'Tasks removed (cancelled or moved away)',
  compareChanged: 'Tasks changed',
  compareSummary: '{added} added · {removed} removed · {changed} changed',
  compareBadRange: 'The first date must come before the second.',
  compareChanges: 'Changes',
  searchTitle: 'Search results',
  searchFor: '“{q}”: {n} tasks',
  searchStatus: 'Tasks with status “{s}”: {n}',
  searchEmpty: 'Type a word to search the tasks.',
  searchUnits: 'Matching units',
  colTask: 'Task',
  colLead: 'Lead',
  colDeadline: 'Deadline',
  colStatus: 'Status',
  colProgress: 'Progress',
  colResult: 'Result / target',
  yes: 'Yes',
  no: 'No',
};

export const STATUSES = [
  'COMPLETED_ON_TIME', 'COMPLETED_LATE', 'IN_PROGRESS_ON_TIME', 'DUE_SOON', 'OVERDUE',
  'AWAITING_CONFIRMATION', 'PAUSED', 'CANCELLED', 'NO_DEADLINE',
] as const;
export type Status = (typeof STATUSES)[number];

const enums: Record<'vi' | 'en', Record<string, string>> = {
  vi: {
    // Government Office classification
    COMPLETED_ON_TIME: 'Đã hoàn thành đúng hạn', COMPLETED_LATE: 'Đã hoàn thành quá hạn',
    IN_PROGRESS_ON_TIME: 'Chưa hoàn thành, trong hạn', DUE_SOON: 'Sắp đến hạn', OVERDUE: 'Chưa hoàn thành, quá hạn',
    AWAITING_CONFIRMATION: 'Chờ xác nhận hoàn thành', PAUSED: 'Tạm hoãn', CANCELLED: 'Đã hủy', NO_DEADLINE: 'Thường xuyên',
    // unit kinds
    GOVERNMENT: 'Chính phủ', MINISTRY: 'Bộ', AGENCY: 'Cơ quan ngang bộ', PROVINCE: 'Tỉnh, thành phố', DISTRICT: 'Quận, huyện',
    COMMUNE: 'Xã, phường, đặc khu', VILLAGE: 'Thôn, tổ dân phố', WORKING_GROUP: 'Tổ công tác',
    // roles
    leader: 'Lãnh đạo', focal_point: 'Đầu mối', inspector: 'Đoàn kiểm tra', admin: 'Quản trị',
    // phases
    OPEN: 'Đang thực hiện', COMPLETED: 'Đã hoàn thành',
    // basis kinds
    DOCUMENT: 'Văn bản', OBSTACLE: 'Khó khăn, vướng mắc', FINDING: 'Phát hiện kiểm tra', INSPECTION: 'Đợt kiểm tra', REPORT: 'Báo cáo',
    // obstacle categories
    LEGAL: 'Thể chế, pháp lý', FUNDING: 'Kinh phí', INFRASTRUCTURE: 'Hạ tầng kỹ thuật', DATA: 'Dữ liệu',
    HUMAN_RESOURCES: 'Nhân lực', COORDINATION: 'Phối hợp liên ngành', OTHER: 'Khác',
    LOW: 'Mức độ thấp', MEDIUM: 'Mức độ trung bình', HIGH: 'Mức độ cao', CRITICAL: 'Nghiêm trọng',
    'finding.OPEN': 'Chưa khắc phục', 'finding.RESPONDED': 'Đơn vị đã phản hồi', 'finding.CLOSED': 'Đã đóng',
    'obstacle.OPEN': 'Chưa giải quyết', 'obstacle.ESCALATED': 'Đã báo cáo cấp trên', 'obstacle.RESOLVED': 'Đã giải quyết', 'obstacle.WITHDRAWN': 'Đã rút',
    // events
    TaskAssigned: 'Giao nhiệm vụ', TaskDelegated: 'Phân giao cho đơn vị cấp dưới', TaskReassigned: 'Chuyển đơn vị chủ trì',
    ProgressReported: 'Báo cáo tiến độ', DeadlineExtensionRequested: 'Đề nghị gia hạn',
    DeadlineExtensionApproved: 'Đồng ý gia hạn', DeadlineExtensionRejected: 'Không đồng ý gia hạn',
    CompletionReported: 'Báo cáo hoàn thành', CompletionConfirmed: 'Xác nhận hoàn thành', CompletionRejected: 'Không xác nhận hoàn thành',
    TaskPaused: 'Tạm hoãn', TaskResumed: 'Tiếp tục thực hiện', TaskCancelled: 'Hủy nhiệm vụ',
    // fields
    'field.title': 'Tên nhiệm vụ', 'field.description': 'Mô tả', 'field.output': 'Sản phẩm', 'field.lead': 'Đơn vị chủ trì',
    'field.coordinators': 'Đơn vị phối hợp', 'field.deadline': 'Thời hạn', 'field.confidential': 'Mật', 'field.phase': 'Giai đoạn',
    'field.progress': 'Tiến độ', 'field.children': 'Nhiệm vụ cấp dưới', 'field.target': 'mục tiêu', 'field.actual': 'kết quả',
    // indicator roll-ups
    'rollup.SUM': 'cộng dồn', 'rollup.AVERAGE': 'trung bình', 'rollup.MAX': 'cao nhất', 'rollup.LATEST': 'số mới nhất',
  },
  en: {
    COMPLETED_ON_TIME: 'Completed on time', COMPLETED_LATE: 'Completed late', IN_PROGRESS_ON_TIME: 'In progress, on time',
    DUE_SOON: 'Due soon', OVERDUE: 'Overdue', AWAITING_CONFIRMATION: 'Awaiting confirmation', PAUSED: 'Paused',
    CANCELLED: 'Cancelled', NO_DEADLINE: 'Recurring',
    GOVERNMENT: 'Government', MINISTRY: 'Ministry', AGENCY: 'Ministerial-level agency', PROVINCE: 'Province / city',
    DISTRICT: 'District', COMMUNE: 'Commune / ward', VILLAGE: 'Village', WORKING_GROUP: 'Working group',
    leader: 'Leadership', focal_point: 'Focal point', inspector: 'Inspector', admin: 'Administrator',
    OPEN: 'Open', COMPLETED: 'Completed',
    DOCUMENT: 'Document', OBSTACLE: 'Obstacle', FINDING: 'Finding', INSPECTION: 'Inspection', REPORT: 'Report',
    LEGAL: 'Legal / institutional', FUNDING: 'Funding', INFRASTRUCTURE: 'Technical infrastructure', DATA: 'Data',
    HUMAN_RESOURCES: 'Human resources', COORDINATION: 'Inter-agency coordination', OTHER: 'Other',
    LOW: 'Low severity', MEDIUM: 'Medium severity', HIGH: 'High severity', CRITICAL: 'Critical',
    'finding.OPEN': 'Open', 'finding.RESPONDED': 'Responded', 'finding.CLOSED': 'Closed',
    'obstacle.OPEN': 'Open', 'obstacle.ESCALATED': 'Escalated', 'obstacle.RESOLVED': 'Resolved', 'obstacle.WITHDRAWN': 'Withdrawn',
    TaskAssigned: 'Task assigned', TaskDelegated: 'Delegated to subordinate units', TaskReassigned: 'Lead unit changed',
    ProgressReported: 'Progress reported', DeadlineExtensionRequested: 'Deadline extension requested',
    DeadlineExtensionApproved: 'Deadline extension approved', DeadlineExtensionRejected: 'Deadline extension rejected',
    CompletionReported: 'Completion reported', CompletionConfirmed: 'Completion confirmed', CompletionRejected: 'Completion rejected',
    TaskPaused: 'Paused', TaskResumed: 'Resumed', TaskCancelled: 'Cancelled',
    'field.title': 'Title', 'field.description': 'Description', 'field.output': 'Output', 'field.lead': 'Lead unit',
    'field.coordinators': 'Coordinating units', 'field.deadline': 'Deadline', 'field.confidential': 'Confidential',
    'field.phase': 'Phase', 'field.progress': 'Progress', 'field.children': 'Sub-tasks', 'field.target': 'target', 'field.actual': 'result',
    'rollup.SUM': 'sum', 'rollup.AVERAGE': 'average', 'rollup.MAX': 'highest', 'rollup.LATEST': 'latest figure',
  },
};

export type Lang = 'vi' | 'en';
const LANG_KEY = 'tiendo.lang';
let lang: Lang = (() => {
  try {
    return localStorage.getItem(LANG_KEY) === 'en' ? 'en' : 'vi';
  } catch {
    return 'vi';
  }
})();

export const getLang = (): Lang => lang;
export function setLang(next: Lang): void {
  lang = next;
  try {
    localStorage.setItem(LANG_KEY, next);
  } catch {
    // private mode: the choice lasts for this page only
  }
  document.documentElement.lang = next;
}

export function t(key: Key, params: Record<string, string | number> = {}): string {
  const text = (lang === 'en' ? en : vi)[key];
  return text.replace(/\{(\w+)\}/g, (_, k: string) => String(params[k] ?? `{${k}}`));
}

/** An enum value, an event kind or a field name in the current language; unknown values pass through. */
export const label = (value: string): string => enums[lang][value] ?? value;

const locale = () => (lang === 'vi' ? 'vi-VN' : 'en-GB');
const ZONE = 'Asia/Ho_Chi_Minh';

export const num = (n: number | null | undefined, digits = 1): string =>
  n === null || n === undefined ? '—' : new Intl.NumberFormat(locale(), { maximumFractionDigits: digits }).format(n);

export const pct = (rate: number | null | undefined): string =>
  rate === null || rate === undefined ? '—' : new Intl.NumberFormat(locale(), { style: 'percent', maximumFractionDigits: 0 }).format(rate);

/** A calendar date YYYY-MM-DD: 31/12/2022 in Vietnamese, ISO 8601 in English. */
export function date(iso: string | null | undefined): string {
  if (!iso) return '—';
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(iso);
  if (!m) return iso;
  return lang === 'vi' ? `${m[3]}/${m[2]}/${m[1]}` : `${m[1]}-${m[2]}-${m[3]}`;
}

const parts = (instant: string) => {
  const p = new Intl.DateTimeFormat('en-GB', {
    timeZone: ZONE, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23',
  }).formatToParts(new Date(instant));
  const get = (type: string) => p.find((x) => x.type === type)?.value ?? '';
  return { y: get('year'), m: get('month'), d: get('day'), hh: get('hour'), mm: get('minute') };
};

/** An instant, in Vietnam time. */
export function dateTime(instant: string | null | undefined): string {
  if (!instant) return '—';
  const { y, m, d, hh, mm } = parts(instant);
  return lang === 'vi' ? `${hh}:${mm} ngày ${d}/${m}/${y}` : `${y}-${m}-${d} ${hh}:${mm}`;
}

/** The Vietnam calendar date of an instant, formatted. */
export const dayOf = (instant: string): string => {
  const { y, m, d } = parts(instant);
  return date(`${y}-${m}-${d}`);
};

/** Today's calendar date in Vietnam, YYYY-MM-DD. */
export function todayVN(): string {
  const { y, m, d } = parts(new Date().toISOString());
  return `${y}-${m}-${d}`;
}
