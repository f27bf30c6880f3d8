// Every GraphQL document the dashboard sends. `make test` validates each against the schema
// (tests/dashboard/test_documents.py), so an API change that breaks the page fails there first.
const ADMIN = `fragment Admin on AdminUser { email displayName }`;

export const ME = `query Me { me { email role tokenExpiresAt } }`;

const PROGRESS = `
  fragment Progress on JobProgress {
    step percent currentTable tablesDone tablesTotal rowsDone bytesDone etaSeconds
    stepTimes { step seconds }
  }`;

const BACKUP_FIELDS = `
  fragment BackupFields on Backup {
    backupId cursor type status description tablesIncluded sizeBytes createdAt completedAt
    errorMessage pinned deletedAt metadata progress { ...Progress } createdBy { ...Admin }
    verification {
      status startedAt finishedAt error tablesChecked rowsChecked progress { ...Progress }
    }
  }
  ${ADMIN}
  ${PROGRESS}`;

// RUNNING holds both kinds: a fragment may appear only once in a document.
const RESTORE_FIELDS_ALONE = `
  fragment RestoreFields on RestoreOperation {
    id backupId cursor status startedAt completedAt tablesRestored recordsCount errorLog
    targetDatabase schema warnings progress { ...Progress } preRestoreBackupId
    initiatedBy { ...Admin }
  }`;

const RESTORE_FIELDS = `${RESTORE_FIELDS_ALONE} ${ADMIN} ${PROGRESS}`;

export const BACKUPS = `
  query Backups(
    $limit: Int!, $before: String, $status: BackupStatus, $type: BackupType,
    $includeDeleted: Boolean!
  ) {
    backups(
      limit: $limit, before: $before, status: $status, type: $type,
      includeDeleted: $includeDeleted
    ) { ...BackupFields }
  }
  ${BACKUP_FIELDS}`;

export const BACKUP = `
  query Backup($backupId: String!) {
    backup(backupId: $backupId) { ...BackupFields }
  }
  ${BACKUP_FIELDS}`;

export const CREATE_BACKUP = `
  mutation CreateBackup($input: CreateBackupInput!) {
    createBackup(input: $input) { ...BackupFields }
  }
  ${BACKUP_FIELDS}`;

export const VERIFY_BACKUP = `
  mutation VerifyBackup($backupId: String!) {
    verifyBackup(backupId: $backupId) { ...BackupFields }
  }
  ${BACKUP_FIELDS}`;

export const RESTORE_CONFIRMATION_CODE = `
  query RestoreConfirmationCode($backupId: String!) {
    restoreConfirmationCode(backupId: $backupId)
  }`;

export const RESTORE_PLAN = `
  query RestorePlan($input: RestoreBackupInput!) {
    restorePlan(input: $input) {
      tablesReplaced { name rowsNow rowsInBackup }
      tablesCreated columnsAdded columnsLost objectsDropped uploadsReplaced preRestoreSnapshot
      warnings refusal
    }
  }`;

export const RESTORE_BACKUP = `
  mutation RestoreBackup($input: RestoreBackupInput!) {
    restoreBackup(input: $input) { ...RestoreFields }
  }
  ${RESTORE_FIELDS}`;

export const RESTORE_OPERATIONS = `
  query RestoreOperations($limit: Int!, $before: String, $status: RestoreStatus) {
    restoreOperations(limit: $limit, before: $before, status: $status) { ...RestoreFields }
  }
  ${RESTORE_FIELDS}`;

export const RUNNING = `
  query Running($limit: Int!) {
    backups(limit: $limit, status: CREATING) { ...BackupFields }
    restoreOperations(limit: $limit, status: IN_PROGRESS) { ...RestoreFields }
  }
  ${BACKUP_FIELDS}
  ${RESTORE_FIELDS_ALONE}`;

export const TABLES = `
  query Tables { tables { name estimatedRows sizeBytes } }`;

const SCHEDULE_FIELDS = `
  fragment ScheduleFields on Schedule {
    id name cron timezone backupType tables description enabled verify nextRunAt lastDueAt
    lastFiredAt lastBackupId retention { keepLast keepDaily keepWeekly keepMonthly }
  }`;

export const SCHEDULES = `
  query Schedules { schedules { ...ScheduleFields } }
  ${SCHEDULE_FIELDS}`;

export const CREATE_SCHEDULE = `
  mutation CreateSchedule($input: CreateScheduleInput!) {
    createSchedule(input: $input) { ...ScheduleFields }
  }
  ${SCHEDULE_FIELDS}`;

export const UPDATE_SCHEDULE = `
  mutation UpdateSchedule($input: UpdateScheduleInput!) {
    updateSchedule(input: $input) { ...ScheduleFields }
  }
  ${SCHEDULE_FIELDS}`;

export const SET_SCHEDULE_ENABLED = `
  mutation SetScheduleEnabled($id: ID!, $enabled: Boolean!) {
    setScheduleEnabled(id: $id, enabled: $enabled) { ...ScheduleFields }
  }
  ${SCHEDULE_FIELDS}`;

export const DELETE_SCHEDULE = `
  mutation DeleteSchedule($id: ID!) { deleteSchedule(id: $id) }`;

const RETENTION_REPORT = `
  fragment Report on RetentionReport {
    dryRun
    forgotten { backupId type status createdAt sizeBytes }
    kept { reasons backup { backupId type status createdAt sizeBytes } }
  }`;

export const RETENTION_DRY_RUN = `
  mutation RetentionDryRun($scheduleId: ID!) {
    applyRetention(scheduleId: $scheduleId, dryRun: true) { ...Report }
  }
  ${RETENTION_REPORT}`;

export const SNAPSHOT_EXPIRY_DRY_RUN = `
  mutation SnapshotExpiryDryRun {
    expirePreRestoreSnapshots(dryRun: true) { ...Report }
  }
  ${RETENTION_REPORT}`;

const WEBHOOK_FIELDS = `
  fragment WebhookFields on Webhook { id url events enabled description createdAt }`;

export const WEBHOOKS = `
  query Webhooks { webhooks { ...WebhookFields } }
  ${WEBHOOK_FIELDS}`;

export const CREATE_WEBHOOK = `
  mutation CreateWebhook($input: CreateWebhookInput!) {
    createWebhook(input: $input) { secret webhook { ...WebhookFields } }
  }
  ${WEBHOOK_FIELDS}`;

export const SET_WEBHOOK_ENABLED = `
  mutation SetWebhookEnabled($id: ID!, $enabled: Boolean!) {
    setWebhookEnabled(id: $id, enabled: $enabled) { ...WebhookFields }
  }
  ${WEBHOOK_FIELDS}`;

export const DELETE_WEBHOOK = `
  mutation DeleteWebhook($id: ID!) { deleteWebhook(id: $id) }`;

export const DELIVERIES = `
  query Deliveries($limit: Int!) {
    notificationDeliveries(limit: $limit) {
      id event subjectId channel destination status attempts lastError createdAt
      lastAttemptAt deliveredAt
    }
  }`;

export const BACKUP_PROGRESS = `
  subscription BackupProgress($backupId: String!) {
    backupProgress(backupId: $backupId) { ...BackupFields }
  }
  ${BACKUP_FIELDS}`;

export const RESTORE_PROGRESS = `
  subscription RestoreProgress($id: ID!) {
    restoreProgress(id: $id) { ...RestoreFields }
  }
  ${RESTORE_FIELDS}`;
