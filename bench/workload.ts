/**
 * The national workload of DESIGN §5, deterministic from a seed: 17 ministries and agencies,
 * 34 provinces and their communes (the official lists of src/reference/, a proportional subset
 * below full size), the programme's central tasks delegated to every province and some of them
 * on to every commune, then three years of weekly history — progress with indicator figures,
 * deadline extensions with reasons (citing obstacles), obstacles raised, escalated and resolved,
 * completions confirmed or rejected, pauses, cancellations, inspections with findings, monthly
 * (ministries, provinces) and quarterly (communes) periodic reports — all with backdated
 * instants, all through the command services (validate, authorise, decide, append), as users
 * would through the API.
 *
 * `planWorkload` is pure: the same seed and size give the same commands in the same order.
 * `runWorkload` plays them against an App, a week at a time: the commands of a week run with
 * `concurrency` clients (commands on one stream stay in order), then the runner is awaited, since
 * the next week's commands are checked against the read model (units, tasks, obstacles).
 */
import { performance } from 'node:perf_hooks';
import type { App } from '../src/app/app.js';
import type { CommandContext } from '../src/app/run-command.js';
import { ministries } from '../src/reference/ministries.js';
import { officialCommunes, officialProvinces } from '../src/reference/units.js';
import type { Actor } from '../src/shared/schemas.js';

/** Monday 27 November 2023, 08:00 in Vietnam: week 0 of the history. */
export const HISTORY_START_MS = Date.UTC(2023, 10, 27, 1, 0, 0);
export const WEEKS = 156;
const DAY = 86_400_000;
const WEEK = 7 * DAY;
const VN = 7 * 3_600_000;
/** The instant after the last week of the history. */
export const HISTORY_END_MS = HISTORY_START_MS + WEEKS * WEEK;

export const vnDate = (ms: number) => new Date(ms + VN).toISOString().slice(0, 10);
const weekMs = (w: number) => HISTORY_START_MS + w * WEEK;
const fridayOf = (w: number) => vnDate(weekMs(w) + 4 * DAY);
const weekOfDate = (date: string) => Math.floor((Date.parse(`${date}T08:00:00+07:00`) - HISTORY_START_MS) / WEEK);
const addDaysTo = (date: string, days: number) => new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY).toISOString().slice(0, 10);

/* ------------------------------------------------------------------------------------------ */
/* Deterministic randomness: a hash of (seed, salt, …) — no state, so no order dependence      */
/* ------------------------------------------------------------------------------------------ */

function mix(h: number, x: number): number {
  h = Math.imul(h ^ (x | 0), 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}
/** A 32-bit hash of the seed and up to four integers (fixed arity: this runs millions of times). */
function h32(seed: number, a: number, b = 0, c = 0, d = 0): number {
  return mix(mix(mix(mix((seed ^ 0x9e3779b9) >>> 0, a), b), c), d) >>> 0;
}
const strHash = (s: string) => {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h >>> 0;
};

/** Salts, one per decision, so that decisions are independent of each other. */
const S = {
  commune: 1, deadline: 2, late: 3, lateBy: 4, phase: 5, extension: 6, proposed: 7, decideIn: 8, approve: 9,
  confirmIn: 10, confirm: 11, obstacle: 12, category: 13, escalate: 14, escalateIn: 15, resolve: 16, resolveIn: 17,
  pause: 18, resumeIn: 19, cancel: 20, day: 21, report: 22, late2: 23, inspection: 24, severity: 25, respond: 26,
  close: 27, coordinators: 28, noise: 29, reportUnit: 30,
} as const;

/* ------------------------------------------------------------------------------------------ */
/* The programme                                                                                */
/* ------------------------------------------------------------------------------------------ */

interface Theme { title: string; lead: string; indicator?: { code: string; name: string; unitOfMeasure: string; perCommune: number } }

/** Thirteen lines of work of Project 06; four phases of each make the 52 central tasks. */
const THEMES: Theme[] = [
  { title: 'Làm sạch dữ liệu dân cư "đúng, đủ, sạch, sống"', lead: 'BCA', indicator: { code: 'POP_DATA_CLEANED', name: 'Hồ sơ dân cư được làm sạch', unitOfMeasure: 'hồ sơ', perCommune: 30_000 } },
  { title: 'Kích hoạt tài khoản định danh điện tử mức độ 2', lead: 'BCA', indicator: { code: 'VNEID_L2_ACTIVATED', name: 'Tài khoản định danh điện tử mức độ 2 được kích hoạt', unitOfMeasure: 'tài khoản', perCommune: 18_000 } },
  { title: 'Cung cấp dịch vụ công trực tuyến toàn trình', lead: 'VPCP', indicator: { code: 'ONLINE_SERVICES', name: 'Dịch vụ công trực tuyến toàn trình', unitOfMeasure: 'dịch vụ', perCommune: 25 } },
  { title: 'Số hóa hồ sơ, kết quả giải quyết thủ tục hành chính', lead: 'VPCP', indicator: { code: 'RECORDS_DIGITISED', name: 'Hồ sơ thủ tục hành chính được số hóa', unitOfMeasure: 'hồ sơ', perCommune: 4_000 } },
  { title: 'Cấp thẻ căn cước gắn chip', lead: 'BCA', indicator: { code: 'ID_CARDS_ISSUED', name: 'Thẻ căn cước được cấp', unitOfMeasure: 'thẻ', perCommune: 22_000 } },
  { title: 'Chi trả an sinh xã hội không dùng tiền mặt', lead: 'NHNN', indicator: { code: 'CASHLESS_WELFARE', name: 'Người hưởng nhận qua tài khoản đã xác thực', unitOfMeasure: 'người', perCommune: 900 } },
  { title: 'Sử dụng căn cước, VNeID thay thẻ bảo hiểm y tế khi khám chữa bệnh', lead: 'BYT', indicator: { code: 'HEALTH_VISITS_BY_ID', name: 'Lượt khám chữa bệnh bằng căn cước', unitOfMeasure: 'lượt', perCommune: 12_000 } },
  { title: 'Kết nối cơ sở dữ liệu chuyên ngành với Cơ sở dữ liệu quốc gia về dân cư', lead: 'BCA' },
  { title: 'Bảo đảm an ninh, an toàn hệ thống thông tin', lead: 'BCA' },
  { title: 'Tập huấn cán bộ đầu mối triển khai Đề án 06', lead: 'BNV', indicator: { code: 'OFFICIALS_TRAINED', name: 'Cán bộ được tập huấn', unitOfMeasure: 'người', perCommune: 12 } },
  { title: 'Tuyên truyền, hướng dẫn người dân sử dụng ứng dụng VNeID', lead: 'BVHTTDL' },
  { title: 'Xây dựng kho dữ liệu số hóa của tổ chức, cá nhân', lead: 'BKHCN' },
  { title: 'Hoàn thiện thể chế, văn bản hướng dẫn triển khai', lead: 'BTP' },
];
const PHASES = ['giai đoạn 2024', 'giai đoạn 2025', 'mở rộng đến cấp xã', 'nâng cao chất lượng, hiệu quả'];
const SOURCE = { number: '06/QĐ-TTg', date: '2022-01-06', issuer: 'Thủ tướng Chính phủ' };
const CATEGORIES = ['LEGAL', 'FUNDING', 'INFRASTRUCTURE', 'DATA', 'HUMAN_RESOURCES', 'COORDINATION', 'OTHER'] as const;
const SEVERITIES = ['LOW', 'MEDIUM', 'HIGH', 'CRITICAL'] as const;
const OBSTACLE_TEXT: Record<(typeof CATEGORIES)[number], [string, string]> = {
  LEGAL: ['Chưa có văn bản hướng dẫn thống nhất về quy trình kết nối, chia sẻ dữ liệu', 'Đề nghị Bộ Tư pháp hướng dẫn thống nhất'],
  FUNDING: ['Kinh phí năm chưa được bố trí cho trang thiết bị và đường truyền', 'Đề nghị bổ sung dự toán'],
  INFRASTRUCTURE: ['Đường truyền và thiết bị đọc thẻ căn cước gắn chip tại bộ phận một cửa còn thiếu', 'Đề nghị trang bị bổ sung thiết bị'],
  DATA: ['Dữ liệu hộ tịch giấy chưa được số hóa đầy đủ, còn sai lệch với dữ liệu dân cư', 'Tổ chức rà soát, đối chiếu'],
  HUMAN_RESOURCES: ['Thiếu cán bộ có chuyên môn công nghệ thông tin tại cơ sở', 'Tăng cường tập huấn, biệt phái cán bộ'],
  COORDINATION: ['Phối hợp giữa các cơ quan trong chia sẻ dữ liệu còn chậm', 'Đề nghị Tổ công tác đôn đốc'],
  OTHER: ['Người dân vùng sâu, vùng xa chưa có điện thoại thông minh', 'Hỗ trợ kích hoạt tại nhà'],
};

/* ------------------------------------------------------------------------------------------ */
/* Commands, as plain data                                                                      */
/* ------------------------------------------------------------------------------------------ */

export type CommandKind =
  | 'registerUnit' | 'assignTask' | 'delegateTask' | 'reportProgress' | 'requestDeadlineExtension' | 'decideDeadlineExtension'
  | 'reportCompletion' | 'confirmCompletion' | 'rejectCompletion' | 'pauseTask' | 'resumeTask' | 'cancelTask'
  | 'raiseObstacle' | 'escalateObstacle' | 'resolveObstacle' | 'withdrawObstacle'
  | 'planInspection' | 'recordFinding' | 'respondToFinding' | 'closeFinding' | 'concludeInspection' | 'submitPeriodicReport';

export interface Command {
  kind: CommandKind;
  /** The stream it writes: commands on one stream run in order. */
  stream: string;
  /** The instant it is recorded at (ms since the epoch, UTC). */
  at: number;
  actor: Actor;
  input: Record<string, unknown>;
  /** Events it appends. */
  events: number;
}

/** A batch of commands after which the read model is awaited. */
export interface Step { week: number; label: string; commands: Command[] }

export interface WorkloadShape {
  events: number;
  seed: number;
  /** The share of the full national size this run has (events / 1,000,000, at most 1). */
  scale: number;
  ministries: number;
  provinces: number;
  communes: number;
  centralTasks: number;
  tasksToCommunes: number;
  tasks: number;
  /** Weighted progress reports per task-week (calibrated so that the total comes to `events`). */
  progressRate: number;
  plannedEvents: number;
}

interface PUnit { id: string; kind: 'GOVERNMENT' | 'WORKING_GROUP' | 'MINISTRY' | 'AGENCY' | 'PROVINCE' | 'COMMUNE'; name: string; parentId: string | null }

interface PTask {
  idx: number;
  id: string;
  stream: string;
  level: 0 | 1 | 2;
  lead: string;
  /** The unit whose leader is the assigning level (decides extensions, confirms, pauses). */
  above: string;
  parent: PTask | null;
  assignWeek: number;
  deadlineWeek: number;
  originalEnd: number;
  indicators: { code: string; name: string; unitOfMeasure: string; target: number | null }[];
  weight: number;
  completeWeek: number;
  phase: 'OPEN' | 'AWAITING' | 'DONE' | 'PAUSED' | 'CANCELLED';
  acc: number;
  decideWeek: number;
  proposedWeek: number;
  extensions: number;
  confirmWeek: number;
  resumeWeek: number;
  obstacle: { id: string; raisedWeek: number; holder: string; escalateWeek: number; resolveWeek: number; outcome: 'resolve' | 'withdraw' | 'stay' } | null;
  lastObstacle: { id: string; week: number } | null;
  children: PTask[];
}

const admin: Actor = { id: 'bench-admin', role: 'admin', unit: 'GOV' };
const leader = (unit: string): Actor => ({ id: `bench-leader-${unit}`, role: 'leader', unit });
const focal = (unit: string): Actor => ({ id: `bench-focal-${unit}`, role: 'focal_point', unit });
const inspector: Actor = { id: 'bench-inspector', role: 'inspector', unit: 'TTCP' };

function clamp(x: number, lo: number, hi: number) {
  return Math.max(lo, Math.min(hi, x));
}

/**
 * The whole workload as steps of commands. Pure and deterministic: the same (events, seed) give
 * the same steps. `progressRate` 0 plans everything but progress reports (the calibration pass).
 */
function* steps(events: number, seed: number, progressRate: number, shape: WorkloadShape, slots: { weight: number }): Generator<Step> {
  const s = Math.min(1, events / 1_000_000);
  /** Reports submitted after the week their period closes, by the week they are submitted in. */
  const pendingReports = new Map<number, Command[]>();
  const r = (salt: number, a = 0, b = 0, c = 0) => h32(seed, salt, a, b, c) / 2 ** 32;

  // Units: the official lists, a proportional subset of communes below full size (at least one a province).
  const provinces = officialProvinces();
  const allCommunes = officialCommunes();
  const communes = provinces.flatMap((p) => {
    const mine = allCommunes.filter((c) => c.provinceCode === p.code);
    const keep = s >= 1 ? mine.length : Math.max(1, Math.round(mine.length * s));
    return mine.map((c) => ({ c, k: h32(seed, S.commune, Number(c.code)) })).sort((a, b) => a.k - b.k).slice(0, keep)
      .map(({ c }) => c).sort((a, b) => a.code.localeCompare(b.code));
  });
  const communesOf = new Map<string, typeof communes>();
  for (const c of communes) communesOf.set(c.provinceCode, [...(communesOf.get(c.provinceCode) ?? []), c]);
  const fullCommunesOf = new Map<string, number>();
  for (const c of allCommunes) fullCommunesOf.set(c.provinceCode, (fullCommunesOf.get(c.provinceCode) ?? 0) + 1);
  const units: PUnit[] = [
    { id: 'GOV', kind: 'GOVERNMENT', name: 'Chính phủ', parentId: null },
    { id: 'TCT06', kind: 'WORKING_GROUP', name: 'Tổ công tác triển khai Đề án 06', parentId: 'GOV' },
    ...ministries.map(([id, name, kind]): PUnit => ({ id, kind, name, parentId: 'GOV' })),
    ...provinces.map((p): PUnit => ({ id: p.code, kind: 'PROVINCE', name: p.name, parentId: 'GOV' })),
  ];
  const parentOf = new Map<string, string>(units.filter((u) => u.parentId).map((u) => [u.id, u.parentId!]));
  for (const c of communes) parentOf.set(c.code, c.provinceCode);

  // Tasks: 52 central ones at full size (fewer below: 52·√scale, at least 4), each delegated to every
  // province; the first with an indicator (6 at full size) also delegated by every province to each of its communes.
  const centralCount = clamp(Math.round(52 * Math.sqrt(s)), 4, 52);
  const toCommunesWanted = clamp(Math.round(6 * Math.sqrt(s)), 1, 6);
  const tasks: PTask[] = [];
  const newTask = (t: Omit<PTask, 'idx' | 'stream' | 'phase' | 'acc' | 'decideWeek' | 'proposedWeek' | 'extensions' | 'confirmWeek' | 'resumeWeek' | 'obstacle' | 'lastObstacle' | 'children' | 'completeWeek' | 'originalEnd'>): PTask => {
    const idx = tasks.length;
    // Every field set here, in one order: millions of reads below stay on V8's fast path.
    const task: PTask = {
      idx, id: t.id, stream: `task-${t.id}`, level: t.level, lead: t.lead, above: t.above, parent: t.parent, assignWeek: t.assignWeek,
      deadlineWeek: t.deadlineWeek, originalEnd: Infinity, indicators: t.indicators, weight: t.weight, completeWeek: Infinity,
      phase: 'OPEN', acc: r(S.phase, idx), decideWeek: -1, proposedWeek: -1, extensions: 0, confirmWeek: -1, resumeWeek: -1,
      obstacle: null, lastObstacle: null, children: [],
    };
    // When it will be finished: never (recurring, or 15 % that overrun the history), else around its deadline.
    if (Number.isFinite(t.deadlineWeek) && r(S.late, idx) >= 0.15) {
      const offset = Math.round((r(S.lateBy, idx) - 0.6) * 16) + (t.level < 2 ? 3 : 0);
      task.completeWeek = Math.max(t.assignWeek + 4, t.deadlineWeek + offset);
    }
    task.originalEnd = Number.isFinite(task.completeWeek) ? task.completeWeek : Number.isFinite(t.deadlineWeek) ? t.deadlineWeek + 30 : t.assignWeek + 200;
    tasks.push(task);
    t.parent?.children.push(task);
    return task;
  };
  const central: PTask[] = [];
  for (let k = 0; k < centralCount; k++) {
    const theme = THEMES[k % THEMES.length]!;
    const phase = Math.floor(k / THEMES.length);
    const lead = phase === 0 ? theme.lead : ministries[(k * 7) % ministries.length]![0];
    const deadlineWeek = r(S.deadline, k) < 0.1 ? Infinity : 26 + Math.floor(r(S.deadline, k, 1) * 150);
    const indicators = theme.indicator ? [{
      code: theme.indicator.code, name: theme.indicator.name, unitOfMeasure: theme.indicator.unitOfMeasure,
      target: theme.indicator.perCommune * allCommunes.length,
    }] : [];
    central.push(newTask({
      id: `DA06-${String(k + 1).padStart(2, '0')}`, level: 0, lead, above: 'GOV', parent: null, assignWeek: 0, deadlineWeek, indicators,
      weight: 2,
    }));
  }
  const toCommunes = central.filter((t) => t.indicators.length > 0).slice(0, toCommunesWanted);
  for (const c of central) {
    for (const p of provinces) {
      newTask({
        id: `${c.id}/${p.code}`, level: 1, lead: p.code, above: 'GOV', parent: c, assignWeek: 0, deadlineWeek: c.deadlineWeek,
        indicators: c.indicators.map((i) => ({ ...i, target: Math.round((i.target! / allCommunes.length) * fullCommunesOf.get(p.code)!) })),
        weight: 3,
      });
    }
  }
  for (const c of toCommunes) {
    for (const pt of c.children) {
      const mine = communesOf.get(pt.lead) ?? [];
      for (const cm of mine) {
        newTask({
          id: `${pt.id}/${cm.code}`, level: 2, lead: cm.code, above: pt.lead, parent: pt, assignWeek: 1, deadlineWeek: pt.deadlineWeek,
          indicators: pt.indicators.map((i) => ({ ...i, target: Math.round(i.target! / fullCommunesOf.get(pt.lead)!) })),
          weight: 1,
        });
      }
    }
  }
  Object.assign(shape, {
    scale: s, ministries: ministries.length, provinces: provinces.length, communes: communes.length,
    centralTasks: central.length, tasksToCommunes: toCommunes.length, tasks: tasks.length,
  });

  /* ---- week 0 and 1: the tree, the tasks and their delegation ---- */
  let seq = 0;
  const at = (w: number, day: number, key = seq++) => weekMs(w) + day * DAY + (key % 28_800) * 1000;
  const cmd = (kind: CommandKind, stream: string, atMs: number, actor: Actor, input: Record<string, unknown>, events = 1): Command =>
    ({ kind, stream, at: atMs, actor, input, events });

  yield { week: 0, label: 'units', commands: units.slice(0, 1).map((u) => cmd('registerUnit', `unit-${u.id}`, at(0, 0), admin, { id: u.id, kind: u.kind, name: u.name })) };
  yield {
    week: 0, label: 'units', commands: units.slice(1).map((u) => cmd('registerUnit', `unit-${u.id}`, at(0, 0), admin, { id: u.id, kind: u.kind, name: u.name, parentId: u.parentId })),
  };
  yield {
    week: 0, label: 'communes', commands: communes.map((c) => cmd('registerUnit', `unit-${c.code}`, at(0, 0), admin, { id: c.code, kind: 'COMMUNE', name: c.name, parentId: c.provinceCode })),
  };
  yield {
    week: 0, label: 'central tasks', commands: central.map((t) => {
      const coordinators = [...new Set([0, 1].map((j) => ministries[h32(seed, S.coordinators, t.idx, j) % ministries.length]![0]))].filter((m) => m !== t.lead)
        .slice(0, 1 + (t.idx % 2));
      return cmd('assignTask', `task-${t.id}`, at(0, 1), leader('GOV'), {
        id: t.id, title: `${THEMES[t.idx % THEMES.length]!.title} — ${PHASES[Math.floor(t.idx / THEMES.length)]}`,
        description: 'Nhiệm vụ của Đề án phát triển ứng dụng dữ liệu về dân cư, định danh và xác thực điện tử phục vụ chuyển đổi số quốc gia.',
        output: 'Báo cáo kết quả thực hiện', source: SOURCE, leadUnitId: t.lead, coordinatorIds: coordinators,
        deadline: Number.isFinite(t.deadlineWeek) ? fridayOf(t.deadlineWeek) : null, indicators: t.indicators,
      });
    }),
  };
  yield {
    week: 0, label: 'delegation to provinces', commands: central.map((t) => cmd('delegateTask', `task-${t.id}`, at(0, 2), leader('GOV'), {
      taskId: t.id, to: t.children.map((c) => ({ leadUnitId: c.lead, targets: c.indicators.map((i) => ({ code: i.code, value: i.target })) })),
    }, 1 + t.children.length)),
  };
  yield {
    week: 1, label: 'delegation to communes', commands: toCommunes.flatMap((c) => c.children.filter((pt) => pt.children.length > 0).map((pt) =>
      cmd('delegateTask', `task-${pt.id}`, at(1, 0), leader(pt.lead), {
        taskId: pt.id, to: pt.children.map((ct) => ({ leadUnitId: ct.lead, targets: ct.indicators.map((i) => ({ code: i.code, value: i.target })) })),
        reason: 'Phân giao chỉ tiêu cho các xã, phường, đặc khu',
      }, 1 + pt.children.length))),
  };

  /* ---- the weekly history ---- */
  const reportShare = Math.min(1, s * 10);
  const inspectionCount = Math.max(2, Math.round(36 * Math.min(1, s * 10)));
  const inspectionEvery = Math.floor((WEEKS - 14) / inspectionCount);
  const inspections = new Map<number, { id: string; targets: string[]; findings: { id: string; unit: string; respond: boolean; close: boolean }[] }>();
  const provincialTasksOf = (province: string) => tasks.filter((t) => t.level === 1 && t.lead === province);
  const ministriesAndProvinces = [...ministries.map(([id]) => id), ...provinces.map((p) => p.code)];

  let active = tasks.slice();
  for (let w = 2; w < WEEKS; w++) {
    const commands: Command[] = [];
    // Finished tasks with nothing pending drop out of the loop.
    if (w % 8 === 0) active = active.filter((t) => !((t.phase === 'DONE' || t.phase === 'CANCELLED') && !t.obstacle && t.decideWeek < 0));
    const isoWeek = `tuần ${vnDate(weekMs(w))}`;
    for (const t of active) {
      const h = h32(seed, S.day, t.idx, w);
      const taskStream = t.stream;
      // Obstacles on this task move on, whatever the task's phase.
      const o = t.obstacle;
      if (o) {
        const oStream = `obstacle-${o.id}`;
        if (o.escalateWeek >= 0 && o.escalateWeek <= w) {
          o.escalateWeek = -1;
          const to = parentOf.get(o.holder) ?? 'GOV';
          commands.push(cmd('escalateObstacle', oStream, at(w, 3, t.idx), focal(o.holder), { obstacleId: o.id, toUnitId: to, reason: 'Vượt thẩm quyền giải quyết của đơn vị' }));
          o.holder = to;
        }
        if (o.resolveWeek <= w) {
          if (o.outcome === 'resolve') {
            commands.push(cmd('resolveObstacle', oStream, at(w, 5, t.idx), leader(o.holder), { obstacleId: o.id, resolution: 'Đã bố trí nguồn lực và hướng dẫn tháo gỡ' }));
          } else if (o.outcome === 'withdraw') {
            commands.push(cmd('withdrawObstacle', oStream, at(w, 5, t.idx), focal(t.lead), { obstacleId: o.id, reason: 'Đơn vị đã tự khắc phục' }));
          }
          t.obstacle = null;
        }
      }
      // Settle what is pending first (decisions, confirmation, resumption), then what the focal point does.
      if (t.decideWeek === w) {
        t.decideWeek = -1;
        const approve = r(S.approve, t.idx, w) < 0.85;
        const basis = [{ kind: 'DOCUMENT', ref: `Công văn ${100 + (h % 900)}/${t.above === 'GOV' ? 'VPCP-KSTT' : `UBND-${t.above}`}` },
          ...(t.lastObstacle && t.lastObstacle.week < w ? [{ kind: 'OBSTACLE', ref: t.lastObstacle.id }] : [])];
        commands.push(cmd('decideDeadlineExtension', taskStream, at(w, 4, t.idx), leader(t.above), {
          taskId: t.id, approve, reason: approve ? 'Đồng ý gia hạn do vướng mắc khách quan đã được báo cáo' : 'Không đồng ý gia hạn; yêu cầu tập trung hoàn thành đúng hạn',
          basis,
        }));
        if (approve) t.deadlineWeek = t.proposedWeek;
        continue; // nothing else on this task this week: a decision is the week's last word (day 4)
      }
      if (t.phase === 'AWAITING' && t.confirmWeek <= w) {
        if (r(S.confirm, t.idx, w) < 0.9) {
          commands.push(cmd('confirmCompletion', taskStream, at(w, 4, t.idx), leader(t.above), { taskId: t.id, reason: 'Xác nhận hoàn thành' }));
          t.phase = 'DONE';
        } else {
          commands.push(cmd('rejectCompletion', taskStream, at(w, 4, t.idx), leader(t.above), { taskId: t.id, reason: 'Sản phẩm chưa đạt yêu cầu, đề nghị hoàn thiện' }));
          t.phase = 'OPEN';
          t.completeWeek = w + 2 + (h % 3);
          continue;
        }
      }
      if (t.phase === 'PAUSED' && t.resumeWeek <= w) {
        commands.push(cmd('resumeTask', taskStream, at(w, 0, t.idx), leader(t.above), { taskId: t.id, reason: 'Tiếp tục thực hiện', basis: [] }));
        t.phase = 'OPEN';
      }
      if (w <= t.assignWeek || t.phase !== 'OPEN') continue;

      if (w >= t.completeWeek) {
        commands.push(cmd('reportCompletion', taskStream, at(w, 3, t.idx), focal(t.lead), {
          taskId: t.id, completedOn: vnDate(weekMs(w) + 2 * DAY), evidence: 'Báo cáo kết quả hoàn thành nhiệm vụ kèm sản phẩm',
        }));
        t.phase = 'AWAITING';
        t.confirmWeek = w + 1 + (h % 2);
        continue;
      }
      // A pause or a cancellation by the assigning level, rarely, and never with a decision pending.
      if (t.level > 0 && t.decideWeek < 0) {
        const x = r(S.pause, t.idx, w);
        if (x < 0.0004) {
          commands.push(cmd('pauseTask', taskStream, at(w, 0, t.idx), leader(t.above), { taskId: t.id, reason: 'Tạm hoãn chờ hướng dẫn của cấp trên', basis: [] }));
          t.phase = 'PAUSED';
          t.resumeWeek = w + 4 + (h % 6);
          if (t.completeWeek <= t.resumeWeek) t.completeWeek = t.resumeWeek + 2;
          continue;
        }
        if (t.level === 2 && x < 0.0006) {
          commands.push(cmd('cancelTask', taskStream, at(w, 0, t.idx), leader(t.above), { taskId: t.id, reason: 'Nhiệm vụ được điều chỉnh, không tiếp tục thực hiện', basis: [] }));
          t.phase = 'CANCELLED';
          continue;
        }
      }
      // Weekly progress: the rate spreads the budget evenly; the accumulator keeps it deterministic.
      t.acc += progressRate * t.weight;
      slots.weight += t.weight;
      if (t.acc >= 1) {
        t.acc -= 1;
        const f = clamp((w - t.assignWeek) / Math.max(1, t.originalEnd - t.assignWeek), 0, 0.99) * (0.95 + 0.05 * r(S.noise, t.idx, w));
        commands.push(cmd('reportProgress', taskStream, at(w, h % 3, t.idx), focal(t.lead), {
          taskId: t.id, percent: Math.round(f * 100),
          indicators: t.indicators.filter((i) => i.target !== null).map((i) => ({ code: i.code, value: Math.round(i.target! * f) })),
          note: `Báo cáo tiến độ ${isoWeek}: đã triển khai theo kế hoạch, ${Math.round(f * 100)}% khối lượng công việc`,
        }));
      }
      // An extension, three weeks before a deadline it will miss.
      if (t.decideWeek < 0 && t.extensions < 2 && Number.isFinite(t.deadlineWeek) && w === t.deadlineWeek - 3 && t.completeWeek > t.deadlineWeek
        && r(S.extension, t.idx, w) < 0.7) {
        t.extensions++;
        t.proposedWeek = Number.isFinite(t.completeWeek) ? t.completeWeek + 1 + (h % 3) : t.deadlineWeek + 13;
        t.decideWeek = w + 1 + (h % 2);
        const cite = t.lastObstacle && t.lastObstacle.week < w ? [{ kind: 'OBSTACLE', ref: t.lastObstacle.id }] : [];
        commands.push(cmd('requestDeadlineExtension', taskStream, at(w, 3, t.idx), focal(t.lead), {
          taskId: t.id, proposedDeadline: fridayOf(t.proposedWeek),
          reason: cite.length ? 'Vướng mắc đã báo cáo chưa được tháo gỡ, không bảo đảm tiến độ' : 'Khối lượng công việc lớn, cần thêm thời gian hoàn thành',
          basis: [{ kind: 'DOCUMENT', ref: `Tờ trình ${10 + (h % 90)}/TTr-${t.lead}` }, ...cite],
        }));
      }
      // An obstacle, now and then (not in a week the task's phase changes: the read model checks it).
      if (!t.obstacle && w + 1 < WEEKS && r(S.obstacle, t.idx, w) < 0.005) {
        const category = CATEGORIES[h32(seed, S.category, t.idx, w) % CATEGORIES.length]!;
        const id = `VM-${w}-${t.idx}`;
        const escalate = r(S.escalate, t.idx, w) < 0.4;
        const outcome = r(S.resolve, t.idx, w);
        t.obstacle = {
          id, raisedWeek: w, holder: t.lead,
          escalateWeek: escalate ? w + 1 + (h % 3) : -1,
          resolveWeek: w + 4 + (h32(seed, S.resolveIn, t.idx, w) % 10),
          outcome: outcome < 0.85 ? 'resolve' : outcome < 0.9 ? 'withdraw' : 'stay',
        };
        t.lastObstacle = { id, week: w };
        const [description, proposedSolution] = OBSTACLE_TEXT[category];
        commands.push(cmd('raiseObstacle', `obstacle-${id}`, at(w, 2, t.idx), focal(t.lead), {
          id, taskId: t.id, category, description, proposedSolution, ...(t.level > 0 ? { decisionUnitId: t.above } : {}),
        }));
      }
    }

    // Periodic reports: ministries and provinces monthly (by the 17th), communes quarterly (by the 19th).
    for (const [kind, unitIds, dueDay] of [['MONTHLY', ministriesAndProvinces, 17], ['QUARTERLY', communes.map((c) => c.code), 19]] as const) {
      const monday = vnDate(weekMs(w));
      for (let d = 0; d < 7; d++) {
        const date = addDaysTo(monday, d);
        const [y, m, day] = date.split('-').map(Number) as [number, number, number];
        if (day !== 15 || (kind === 'QUARTERLY' && m % 3 !== 0)) continue;
        const key = kind === 'MONTHLY' ? `${y}-${String(m).padStart(2, '0')}` : `${y}-Q${m / 3}`;
        for (const unitId of unitIds) {
          const u = strHash(unitId);
          const x = r(S.report, u, y * 100 + m);
          if (x >= reportShare * 0.92) continue; // sampled below full size; 8 % never report
          const late = r(S.late2, u, y * 100 + m) < 0.15;
          const submitDate = addDaysTo(date, late ? dueDay - 15 + 3 + (u % 5) : u % (dueDay - 14));
          const sw = weekOfDate(submitDate);
          if (sw !== w) {
            // Submitted in a later week: queue it there.
            const later = pendingReports.get(sw);
            if (later) later.push(reportCommand(kind, key, unitId, submitDate, u));
            else pendingReports.set(sw, [reportCommand(kind, key, unitId, submitDate, u)]);
            continue;
          }
          commands.push(reportCommand(kind, key, unitId, submitDate, u));
        }
      }
    }
    for (const c of pendingReports.get(w) ?? []) commands.push(c);
    pendingReports.delete(w);

    // Inspections: planned every few weeks against two provinces; findings, responses, closure, conclusion.
    if (w >= 6 && (w - 6) % inspectionEvery === 0 && w + 10 < WEEKS && inspections.size < inspectionCount) {
      const id = `KT-${w}`;
      const a = provinces[h32(seed, S.inspection, w) % provinces.length]!.code;
      let b = provinces[h32(seed, S.inspection, w, 1) % provinces.length]!.code;
      if (b === a) b = provinces[(provinces.findIndex((p) => p.code === a) + 1) % provinces.length]!.code;
      const findings: { id: string; unit: string; respond: boolean; close: boolean }[] = [];
      for (const target of [a, b]) {
        for (const unit of [target, ...(communesOf.get(target) ?? []).slice(0, 3).map((c) => c.code)]) {
          const j = findings.length;
          findings.push({ id: `PH-${w}-${j}`, unit, respond: r(S.respond, w, j) < 0.8, close: r(S.close, w, j) < 0.7 });
        }
      }
      inspections.set(w, { id, targets: [a, b], findings });
      commands.push(cmd('planInspection', `inspection-${id}`, at(w, 1), inspector, {
        id, title: `Kiểm tra việc triển khai Đề án 06 tại tỉnh ${a} và ${b}`, targetUnitIds: [a, b],
        taskIds: provincialTasksOf(a).slice(0, 2).map((t) => t.id), from: fridayOf(w + 1), to: fridayOf(w + 3),
      }));
    }
    for (const [pw, insp] of inspections) {
      const stream = `inspection-${insp.id}`;
      if (w === pw + 2) {
        for (const [j, f] of insp.findings.entries()) {
          const task = tasks.find((t) => t.lead === f.unit);
          commands.push(cmd('recordFinding', stream, at(w, 2, j), inspector, {
            inspectionId: insp.id, findingId: f.id, unitId: f.unit, ...(task ? { taskId: task.id } : {}),
            severity: SEVERITIES[h32(seed, S.severity, pw, j) % SEVERITIES.length], description: 'Tiến độ cập nhật dữ liệu chậm so với kế hoạch',
            recommendation: 'Rà soát, bổ sung nguồn lực, hoàn thành trong 60 ngày', dueDate: addDaysTo(fridayOf(w), 60),
          }));
        }
      }
      if (w === pw + 5) {
        for (const [j, f] of insp.findings.entries()) {
          if (f.respond) commands.push(cmd('respondToFinding', stream, at(w, 2, j), focal(f.unit), { inspectionId: insp.id, findingId: f.id, response: 'Đã xây dựng kế hoạch khắc phục' }));
        }
      }
      if (w === pw + 7) {
        for (const [j, f] of insp.findings.entries()) {
          if (f.close) commands.push(cmd('closeFinding', stream, at(w, 3, j), inspector, { inspectionId: insp.id, findingId: f.id }));
        }
      }
      if (w === pw + 9) {
        commands.push(cmd('concludeInspection', stream, at(w, 4), inspector, { inspectionId: insp.id, conclusion: 'Cơ bản triển khai đúng tiến độ; yêu cầu khắc phục các phát hiện còn mở' }));
      }
    }
    yield { week: w, label: `week ${w}`, commands };
  }

  function reportCommand(kind: 'MONTHLY' | 'QUARTERLY', key: string, unitId: string, submitDate: string, u: number): Command {
    const when = Date.parse(`${submitDate}T09:00:00+07:00`) + (u % 3600) * 1000;
    const w = Math.min(WEEKS - 1, weekOfDate(submitDate));
    const share = w / WEEKS;
    const code = unitId.length === 5 ? 'POP_DATA_CLEANED' : 'VNEID_L2_ACTIVATED';
    const per = unitId.length === 5 ? 30_000 : 18_000 * (fullCommunesOf.get(unitId) ?? 10);
    return cmd('submitPeriodicReport', `report-${unitId}-${key}`, when, focal(unitId), {
      unitId, period: { kind, key }, indicators: [{ code, value: Math.round(per * share) }],
      narrative: `Báo cáo kết quả triển khai Đề án 06 kỳ ${key}: các chỉ tiêu cơ bản đạt kế hoạch; kiến nghị tháo gỡ vướng mắc về hạ tầng`,
    });
  }
}

/**
 * Plans the workload: a calibration pass without progress reports counts every other event and
 * the weighted task-weeks open for progress; the progress rate then makes the total come to about
 * `events` (`plannedEvents`; `steps()` plays the plan, counting what it yields in `byKind`).
 */
export function planWorkload(events: number, seed = 6): { shape: WorkloadShape; steps: () => Generator<Step> } {
  const shape: WorkloadShape = {
    events, seed, scale: 0, ministries: 0, provinces: 0, communes: 0, centralTasks: 0, tasksToCommunes: 0, tasks: 0,
    progressRate: 0, plannedEvents: 0,
  };
  const slots = { weight: 0 };
  let fixed = 0;
  for (const step of steps(events, seed, 0, shape, slots)) for (const c of step.commands) fixed += c.events;
  const rate = Math.max(0, (events - fixed) / Math.max(1, slots.weight));
  shape.progressRate = Math.round(rate * 1e6) / 1e6;
  shape.plannedEvents = Math.round(fixed + shape.progressRate * slots.weight);
  return {
    shape,
    steps: () => steps(events, seed, shape.progressRate, shape, { weight: 0 }),
  };
}

/* ------------------------------------------------------------------------------------------ */
/* Playing it against an App                                                                    */
/* ------------------------------------------------------------------------------------------ */

type Exec = (app: App, input: Record<string, unknown>, ctx: CommandContext) => Promise<{ position: string }>;
const exec: Record<CommandKind, Exec> = {
  registerUnit: (a, i, c) => a.units.register(i, c),
  assignTask: (a, i, c) => a.tasks.assign(i, c),
  delegateTask: (a, i, c) => a.tasks.delegate(i, c).then((r) => r.result),
  reportProgress: (a, i, c) => a.tasks.reportProgress(i, c),
  requestDeadlineExtension: (a, i, c) => a.tasks.requestDeadlineExtension(i, c),
  decideDeadlineExtension: (a, i, c) => a.tasks.decideDeadlineExtension(i, c),
  reportCompletion: (a, i, c) => a.tasks.reportCompletion(i, c),
  confirmCompletion: (a, i, c) => a.tasks.confirmCompletion(i, c),
  rejectCompletion: (a, i, c) => a.tasks.rejectCompletion(i, c),
  pauseTask: (a, i, c) => a.tasks.pause(i, c),
  resumeTask: (a, i, c) => a.tasks.resume(i, c),
  cancelTask: (a, i, c) => a.tasks.cancel(i, c),
  raiseObstacle: (a, i, c) => a.obstacles.raise(i, c),
  escalateObstacle: (a, i, c) => a.obstacles.escalate(i, c),
  resolveObstacle: (a, i, c) => a.obstacles.resolve(i, c),
  withdrawObstacle: (a, i, c) => a.obstacles.withdraw(i, c),
  planInspection: (a, i, c) => a.inspections.plan(i, c),
  recordFinding: (a, i, c) => a.inspections.recordFinding(i, c),
  respondToFinding: (a, i, c) => a.inspections.respond(i, c),
  closeFinding: (a, i, c) => a.inspections.closeFinding(i, c),
  concludeInspection: (a, i, c) => a.inspections.conclude(i, c),
  submitPeriodicReport: (a, i, c) => a.reports.submit(i, c),
};

/** Runs one command through the command services; resolves with the position it wrote. */
export function runOne(app: App, c: Command, correlationId = 'bench'): Promise<{ position: string }> {
  return exec[c.kind](app, c.input, { actor: c.actor, now: new Date(c.at).toISOString(), correlationId });
}

/** Runs `fn` over `items` with at most `limit` in flight. */
export async function pool<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async () => {
    while (!failure && next < items.length) {
      const item = items[next++]!;
      try {
        await fn(item);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  if (failure) throw failure.error;
}

export interface RunResult {
  shape: WorkloadShape;
  commands: number;
  byKind: Partial<Record<CommandKind, number>>;
  /** Events the store holds after the run (its global position). */
  events: number;
  ms: number;
  /** Time spent waiting for the read model between steps. */
  barrierMs: number;
  /** CPU time of this process (user + system) during the run, ms: less at the mercy of a shared machine than wall time. */
  cpuMs: number;
  /** Command latencies (decide + append, durable), ms. */
  latencies: number[];
  lastPosition: string | null;
}

/**
 * Plays the workload. Commands of one step run with `concurrency` clients, those on one stream in
 * order; the read model is awaited after each step.
 */
export async function runWorkload(app: App, opts: { events: number; seed?: number; concurrency?: number; onStep?: (s: { week: number; label: string; done: number; planned: number; ms: number }) => void }): Promise<RunResult> {
  const { shape, steps: plan } = planWorkload(opts.events, opts.seed ?? 6);
  const concurrency = opts.concurrency ?? 64;
  const latencies: number[] = [];
  let commands = 0;
  let done = 0;
  let last: string | null = null;
  let barrierMs = 0;
  const byKind: Partial<Record<CommandKind, number>> = {};
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (const step of plan()) {
    const chains = new Map<string, Command[]>();
    for (const c of step.commands.sort((a, b) => a.at - b.at)) {
      const chain = chains.get(c.stream);
      if (chain) chain.push(c);
      else chains.set(c.stream, [c]);
    }
    await pool([...chains.values()], concurrency, async (chain) => {
      for (const c of chain) {
        const t = performance.now();
        let written;
        try {
          written = await runOne(app, c);
        } catch (error) {
          throw new Error(`workload command ${c.kind} on ${c.stream} at ${new Date(c.at).toISOString()} failed: ${(error as Error).message}`, { cause: error });
        }
        latencies.push(performance.now() - t);
        if (last === null || app.store.comparePositions(written.position, last) > 0) last = written.position;
        commands++;
        byKind[c.kind] = (byKind[c.kind] ?? 0) + 1;
        done += c.events;
      }
    });
    const tb = performance.now();
    if (last) await app.runner.waitFor(last, 600_000);
    barrierMs += performance.now() - tb;
    opts.onStep?.({ week: step.week, label: step.label, done, planned: shape.plannedEvents, ms: performance.now() - t0 });
  }
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const head = (await app.store.readAll({ direction: 'backwards', maxCount: 1 }))[0];
  return { shape, commands, byKind, events: head ? Number(head.position) : 0, ms, barrierMs, cpuMs: (cpu.user + cpu.system) / 1000, latencies, lastPosition: last };
}
