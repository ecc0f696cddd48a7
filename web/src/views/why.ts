import { gql } from '../api.js';
import { h, replace } from '../dom.js';
import { date, dateTime, dayOf, label, t } from '../i18n.js';
import { TASK_WHY } from '../queries.js';
import { errorBox, loading, statusBadge } from '../ui.js';
import { type ViewContext, asOfVar } from './context.js';

interface UnitRef { id: string; name: string }
interface Link {
  kind: string; reason: string | null; basis: { kind: string; ref: string }[];
  event: { id: string; kind: string; occurredAt: string; actor: { id: string; role: string; unit: UnitRef | null } };
  obstacle: { id: string; category: string; status: string; escalatedTo: UnitRef | null } | null;
  finding: { id: string; inspection: { id: string; title: string } } | null;
  inspection: { id: string; title: string } | null;
}
interface Explanation { value: string | null; since: string | null; changed: boolean; deadlineInForce: string | null; completionReported: boolean | null; links: Link[] }

/**
 * "Why?" on the task page (issue 17): the chains of causes behind the deadline and the status,
 * nearest first, drawn into a slot once `why` answers (the page does not wait for it).
 */
export function whySlot(ctx: ViewContext, id: string): HTMLElement {
  const slot = h('div', { class: 'why-slot', 'data-state': 'loading' }, loading());
  void gql<{ deadline: Explanation; status: Explanation }>(TASK_WHY, { id, asOf: asOfVar(ctx) }, ctx.signal).then((r) => {
    if (!ctx.alive()) return;
    replace(slot, h('p', { class: 'muted small' }, t('whyIntro')),
      h('section', { id: 'why-deadline' },
        h('h3', null, r.deadline.value ? t('whyDeadline', { value: date(r.deadline.value) }) : t('whyNoDeadlineValue')),
        r.deadline.since ? h('p', { class: 'why-summary' }, t(r.deadline.changed ? 'whyChanged' : 'whyUnchanged', { at: dateTime(r.deadline.since) })) : null,
        chain(r.deadline.links)),
      h('section', { id: 'why-status' },
        h('h3', null, t('whyStatus', { value: label(r.status.value ?? '') })),
        h('p', { class: 'why-summary' }, statusBadge(r.status.value ?? ''), ' ', statusSentence(r.status)),
        chain(r.status.links)));
    slot.dataset.state = 'loaded';
  }, (error: unknown) => {
    if (ctx.alive()) replace(slot, errorBox(error));
  });
  return slot;
}

/** e.g. "Chưa hoàn thành, quá hạn từ ngày 01/01/2023: thời hạn 31/12/2022 đang có hiệu lực, chưa báo cáo hoàn thành." */
function statusSentence(e: Explanation): string {
  const head = t('whySince', { status: label(e.value ?? ''), at: e.since ? dayOf(e.since) : '—' });
  const deadline = e.deadlineInForce ? t('whyDeadlineInForce', { date: date(e.deadlineInForce) }) : t('whyNoDeadline');
  return `${head}: ${deadline}, ${t(e.completionReported ? 'whyCompletionReported' : 'whyNoCompletion')}.`;
}

function chain(links: Link[]): HTMLElement {
  if (!links.length) return h('p', { class: 'muted' }, t('whyNoLinks'));
  return h('ol', { class: 'why-chain' }, links.map((l) => {
    const about = l.obstacle
      ? [t('whyObstacle', { id: l.obstacle.id, category: label(l.obstacle.category), status: label(`obstacle.${l.obstacle.status}`) }),
        l.obstacle.escalatedTo ? `, ${t('whyEscalated', { unit: l.obstacle.escalatedTo.name })}` : '']
      : l.finding ? [t('whyFinding', { id: l.finding.id, inspection: l.finding.inspection.title })]
        : l.inspection ? [t('whyInspection', { title: l.inspection.title })] : [];
    const unit = l.event.actor.unit?.name;
    return h('li', { class: 'why-link', 'data-kind': l.kind, 'data-event': l.event.kind },
      h('p', { class: 'why-head' }, h('span', { class: 'why-kind muted' }, `${label(`why.${l.kind}`)} `), h('strong', null, label(l.event.kind)),
        about.length ? h('span', null, ' — ', ...about) : null),
      h('p', { class: 'muted small' }, `${t('by')}: ${l.event.actor.id} (${label(l.event.actor.role)})${unit ? `, ${unit}` : ''} · `,
        h('time', { datetime: l.event.occurredAt }, dateTime(l.event.occurredAt))),
      l.reason ? h('p', { class: 'tl-reason' }, h('strong', null, `${t('reason')}: `), l.reason) : null,
      l.basis.length ? h('p', { class: 'tl-basis' }, h('strong', null, `${t('basis')}: `),
        l.basis.map((b, i) => [i ? '; ' : '', `${label(b.kind)} — ${b.ref}`])) : null);
  }));
}
