/**
 * Every GraphQL document the dashboard sends, in one place (test/e2e/dashboard.test.ts checks
 * them against schemas/schema.graphql, so a schema change that breaks the page fails a test).
 * Each stays within the API's limits: at most 4 historical reads (asOf; compare counts two).
 */

export const TASK_ROW_FIELDS = 'id title deadline status progress lead { id name }';

export const ME = `query Me { me { id role unit { id name } } }`;

export const UNIT_NAME = `query UnitName($id: ID!) { unit(id: $id) { id name kind } }`;

export const PROGRAMME = `query Programme($asOf: DateTime, $root: ID!) {
  programmeDashboard(asOf: $asOf) { asOf ministries { ...Row } provinces { ...Row } }
  unitProgress(unitId: $root, asOf: $asOf) {
    totalTasks onTimeRate byStatus { status count } openObstacles openFindings
    overdue { id title deadline lead { id name } }
  }
}
fragment Row on DashboardRow { unit { id name kind } totalTasks overdue onTimeRate openObstacles }`;

/** Asked apart from PROGRAMME: while the API lacks the field, only this panel says so. */
export const PROGRAMME_OBSTACLES = `query ProgrammeObstacles($asOf: DateTime) { programmeDashboard(asOf: $asOf) { obstaclesByCategory { category count } } }`;

export const TREND_POINT = `query TrendPoint($id: ID!, $asOf: DateTime) { unitProgress(unitId: $id, asOf: $asOf) { totalTasks onTimeRate byStatus { status count } } }`;

export const UNIT_PAGE = `query UnitPage($id: ID!, $asOf: DateTime) {
  unitProgress(unitId: $id, asOf: $asOf) {
    asOf totalTasks onTimeRate byStatus { status count } openObstacles openFindings
    indicators { code name unitOfMeasure rollup target actual }
    overdue { ${TASK_ROW_FIELDS} }
    unit { id name kind previousNames children { id name kind }
      parent { id name kind parent { id name kind parent { id name kind } } } }
  }
}`;

/** Which units lead the tasks under a unit (up to three levels up), to find the subordinate units with work. */
export const TASK_LEADS = `query TaskLeads($id: ID!, $after: String, $asOf: DateTime) {
  tasks(filter: { leadUnitId: $id, includeDescendants: true }, first: 100, after: $after, asOf: $asOf) {
    totalCount pageInfo { hasNextPage endCursor } edges { node { lead { id parent { id parent { id parent { id } } } } } }
  }
}`;

export const UNIT_CHILD = `query UnitChild($id: ID!, $asOf: DateTime) { unitProgress(unitId: $id, asOf: $asOf) { totalTasks onTimeRate byStatus { status count } } }`;

export const TASK_LIST = `query TaskList($filter: TaskFilter, $after: String, $asOf: DateTime) {
  tasks(filter: $filter, first: 50, after: $after, asOf: $asOf) { totalCount pageInfo { hasNextPage endCursor } edges { node { ${TASK_ROW_FIELDS} } } }
}`;

export const SEARCH = `query Search($filter: TaskFilter, $asOf: DateTime) {
  tasks(filter: $filter, first: 100, asOf: $asOf) { totalCount edges { node { ${TASK_ROW_FIELDS} } } }
}`;

export const SEARCH_UNITS = `query SearchUnits($text: String!) { units(filter: { text: $text }, first: 12) { totalCount edges { node { id name kind } } } }`;

/** Obstacles of a unit (by category, and the open ones) or of a task; asked apart, like PROGRAMME_OBSTACLES. */
export const UNIT_OBSTACLES = `query UnitObstacles($id: ID!, $asOf: DateTime) {
  unitProgress(unitId: $id, asOf: $asOf) { obstaclesByCategory { category count } }
  obstacles(filter: { unitId: $id, status: [OPEN, ESCALATED] }, first: 20) { totalCount edges { node { ...Obstacle } } }
}
fragment Obstacle on Obstacle { id category description status proposedSolution resolution raisedAt task { id title } unit { id name } }`;

export const TASK_OBSTACLES = `query TaskObstacles($id: ID!) {
  obstacles(filter: { taskId: $id }, first: 50) { totalCount edges { node { ...Obstacle } } }
}
fragment Obstacle on Obstacle { id category description status proposedSolution resolution raisedAt task { id title } unit { id name } }`;

/** Open inspection findings against a unit (and below it), asked for only when unitProgress counts some. */
export const UNIT_FINDINGS = `query UnitFindings($id: ID!) {
  findings(filter: { unitId: $id, status: [OPEN, RESPONDED] }, first: 50) {
    totalCount edges { node { id severity description recommendation dueDate status overdue response unit { id name } task { id title } inspection { id title } } }
  }
}`;

const HISTORY = `history(first: 100, after: $after) { totalCount pageInfo { hasNextPage endCursor }
  edges { node { at recordedAt kind reason actor { id role unit { id name } } changes { field from to } basis { kind ref } } } }`;

export const TASK_PAGE = `query TaskPage($id: ID!, $asOf: DateTime, $after: String) {
  task(id: $id, asOf: $asOf) {
    id title description output confidential phase status deadline progress completedOn assignedAt
    source { number date issuer }
    lead { id name kind parent { id name } } coordinators { id name } basis { kind ref }
    pendingExtension { proposedDeadline requestedAt }
    indicators { code name unitOfMeasure rollup target actual }
    parent { id title lead { id name } }
    children { ${TASK_ROW_FIELDS} }
    ${HISTORY}
  }
}`;

export const TASK_HISTORY = `query TaskHistory($id: ID!, $asOf: DateTime, $after: String) { task(id: $id, asOf: $asOf) { id ${HISTORY} } }`;

/** Why the deadline and the status are what they are (issue 17): two explanations, each a chain of causes. */
export const TASK_WHY = `query TaskWhy($id: ID!, $asOf: DateTime) {
  deadline: why(taskId: $id, field: "deadline", asOf: $asOf) { ...Explanation }
  status: why(taskId: $id, field: "status", asOf: $asOf) { ...Explanation }
}
fragment Explanation on Explanation {
  value since changed deadlineInForce completionReported
  links {
    kind reason basis { kind ref }
    event { id kind occurredAt actor { id role unit { id name } } }
    obstacle { id category status escalatedTo { id name } }
    finding { id inspection { id title } }
    inspection { id title }
  }
}`;

export const COMPARE_UNITS = `query CompareUnits { units(filter: { kind: [GOVERNMENT, WORKING_GROUP, MINISTRY, AGENCY, PROVINCE] }, first: 100) { edges { node { id name kind } } } }`;

export const COMPARE = `query Compare($unitId: ID!, $from: DateTime!, $to: DateTime!) {
  compare(unitId: $unitId, from: $from, to: $to) {
    from to
    added { id title deadline status lead { id name } }
    removed { id title lead { id name } }
    changed { task { id title lead { id name } indicators { code name unitOfMeasure } } changes { field from to } }
  }
}`;

export const ALL = {
  ME, UNIT_NAME, SEARCH_UNITS, TASK_LEADS, PROGRAMME, PROGRAMME_OBSTACLES, TREND_POINT, UNIT_PAGE, UNIT_CHILD, TASK_LIST, SEARCH,
  UNIT_OBSTACLES, UNIT_FINDINGS, TASK_OBSTACLES, TASK_PAGE, TASK_HISTORY, TASK_WHY, COMPARE_UNITS, COMPARE,
};
