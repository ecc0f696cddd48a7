/**
 * Every GraphQL document the field page sends (test/e2e/field.test.ts checks them against
 * schemas/schema.graphql). The task fields are what the page caches and what a refusal shows.
 */

export const FIELD_TASK = 'id title deadline status phase progress version updatedAt indicators { code name unitOfMeasure target actual }';

export const FIELD_ME = `query FieldMe { me { id role unit { id name } } }`;

/** The unit's open tasks: the ones a focal point can still report on. */
export const FIELD_TASKS = `query FieldTasks($unit: ID!, $after: String) {
  tasks(filter: { leadUnitId: $unit, status: [OVERDUE, DUE_SOON, IN_PROGRESS_ON_TIME, NO_DEADLINE] }, first: 100, after: $after) {
    pageInfo { hasNextPage endCursor } edges { node { ${FIELD_TASK} } }
  }
}`;

/** What a task is now: shown beside an action the server refused. */
export const FIELD_TASK_NOW = `query FieldTaskNow($id: ID!) { task(id: $id) { ${FIELD_TASK} } }`;

export const REPORT_PROGRESS = `mutation FieldProgress($input: ReportProgressInput!) {
  reportProgress(input: $input) { clientMutationId position task { ${FIELD_TASK} } }
}`;

export const RAISE_OBSTACLE = `mutation FieldObstacle($input: RaiseObstacleInput!) {
  raiseObstacle(input: $input) { clientMutationId position obstacle { id task { ${FIELD_TASK} } } }
}`;

export const REPORT_COMPLETION = `mutation FieldCompletion($input: ReportCompletionInput!) {
  reportCompletion(input: $input) { clientMutationId position task { ${FIELD_TASK} } }
}`;

export const SUBMIT_REPORT = `mutation FieldReport($input: SubmitPeriodicReportInput!) {
  submitPeriodicReport(input: $input) { clientMutationId position accepted }
}`;

export const FIELD_ALL = { FIELD_ME, FIELD_TASKS, FIELD_TASK_NOW, REPORT_PROGRESS, RAISE_OBSTACLE, REPORT_COMPLETION, SUBMIT_REPORT };
