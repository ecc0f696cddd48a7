/**
 * Which part of the read model a query's answer depends on, read from the document alone (the
 * response cache, query-cache.ts). Most answers may depend on anything: they are kept only while
 * the read model stays where it was. One shape is narrower, and it is the one leaders send most —
 * a task's page, `task(id)` with its card and history: its answer depends only on that task and the
 * tasks below it (progress and indicators roll up), on the units (names, visibility of confidential
 * tasks) and on the date in Vietnam (status). Such an answer stays true while none of those changed,
 * whatever else is written meanwhile.
 *
 * The fields such an answer may select are listed by type. A field not listed (another task's
 * data, obstacles, findings, `asOf`) makes the answer depend on anything, so a field added to the
 * schema later is never kept too long by mistake.
 */
import { type DocumentNode, type GraphQLSchema, type SelectionSetNode, Kind, getNamedType, getOperationAST, isObjectType } from 'graphql';

const fields = (...names: string[]) => new Set(names);

/** Per type, the fields whose values come only from the task's subtree, the units or the date. */
const TASK_PAGE_FIELDS: Record<string, ReadonlySet<string>> = {
  Task: fields('id', 'title', 'source', 'lead', 'coordinators', 'deadline', 'status', 'progress', 'indicators', 'version', 'history',
    'description', 'output', 'confidential', 'phase', 'basis', 'pendingExtension', 'completedOn', 'assignedAt', 'updatedAt'),
  Unit: fields('id', 'kind', 'name', 'parent', 'children', 'previousNames', 'status', 'mergedInto', 'absorbed'),
  MergedUnit: fields('unit', 'effectiveOn'),
  Actor: fields('id', 'role', 'unit'),
  TaskHistoryConnection: fields('edges', 'pageInfo', 'totalCount'),
  TaskHistoryEdge: fields('node', 'cursor'),
  TaskHistoryEntry: fields('at', 'kind', 'actor', 'changes', 'reason', 'basis', 'recordedAt'),
  Indicator: fields('code', 'name', 'unitOfMeasure', 'target', 'actual', 'rollup'),
  SourceDocument: fields('number', 'date', 'issuer'),
  PendingExtension: fields('proposedDeadline', 'requestedAt'),
  FieldChange: fields('field', 'from', 'to'),
  PageInfo: fields('hasNextPage', 'endCursor'),
  // A basis names what it points at; what it points at (an obstacle, a finding) is not the task's.
  Basis: fields('kind', 'ref'),
};

/**
 * The ids of the tasks the operation's answer depends on, when every root field is `task(id)`
 * (live: no asOf) selecting only TASK_PAGE_FIELDS; null when the answer may depend on anything.
 */
export function taskPageScope(
  schema: GraphQLSchema, document: DocumentNode, operationName: string | undefined, variables: unknown,
): string[] | null {
  const operation = getOperationAST(document, operationName);
  const queryType = schema.getQueryType();
  if (!operation || operation.operation !== 'query' || !queryType) return null;
  const fragments = new Map(document.definitions.flatMap((d) => (d.kind === Kind.FRAGMENT_DEFINITION ? [[d.name.value, d] as const] : [])));
  const vars = (variables && typeof variables === 'object' ? variables : {}) as Record<string, unknown>;
  const ids: string[] = [];

  /** Every selection of `set` on type `typeName` stays within TASK_PAGE_FIELDS (fragments followed once). */
  const within = (set: SelectionSetNode, typeName: string, seen: Set<string>): boolean => {
    const allowed = TASK_PAGE_FIELDS[typeName];
    const type = schema.getType(typeName);
    if (!allowed || !type || !isObjectType(type)) return false;
    for (const s of set.selections) {
      if (s.kind === Kind.INLINE_FRAGMENT) {
        if (s.typeCondition && s.typeCondition.name.value !== typeName) return false;
        if (!within(s.selectionSet, typeName, seen)) return false;
      } else if (s.kind === Kind.FRAGMENT_SPREAD) {
        const f = fragments.get(s.name.value);
        if (!f || f.typeCondition.name.value !== typeName) return false;
        if (seen.has(f.name.value)) continue;
        if (!within(f.selectionSet, typeName, new Set([...seen, f.name.value]))) return false;
      } else {
        const name = s.name.value;
        if (name === '__typename') continue;
        if (!allowed.has(name)) return false;
        const field = type.getFields()[name];
        if (!field) return false;
        if (s.selectionSet && !within(s.selectionSet, getNamedType(field.type).name, seen)) return false;
      }
    }
    return true;
  };

  for (const s of operation.selectionSet.selections) {
    if (s.kind !== Kind.FIELD) return null;
    if (s.name.value === '__typename') continue;
    if (s.name.value !== 'task' || !s.selectionSet) return null;
    let id: unknown;
    for (const arg of s.arguments ?? []) {
      if (arg.name.value !== 'id') return null; // asOf: a replay, kept by position only
      id = arg.value.kind === Kind.VARIABLE ? vars[arg.value.name.value] : arg.value.kind === Kind.STRING ? arg.value.value : undefined;
    }
    if (typeof id !== 'string' || !within(s.selectionSet, 'Task', new Set())) return null;
    ids.push(id);
  }
  return ids.length > 0 ? ids : null;
}
