"""The GraphQL documents the command line sends (validated against the schema by its tests)."""

PROGRESS = """
progress {
  step percent currentTable tablesDone tablesTotal rowsDone bytesDone etaSeconds
  stepTimes { step seconds }
}"""

VERIFICATION = f"""
verification {{
  status startedAt finishedAt error tablesChecked rowsChecked stepTimes {{ step seconds }}
  {PROGRESS}
}}"""

BACKUP_FIELDS = f"""
backupId type status description tablesIncluded sizeBytes filePath createdAt completedAt
errorMessage metadata pinned deletedAt cursor createdBy {{ email }}
{PROGRESS}
{VERIFICATION}"""

RESTORE_FIELDS = f"""
id backupId status startedAt completedAt tablesRestored recordsCount errorLog
preRestoreBackupId targetDatabase schema warnings cursor initiatedBy {{ email }}
{PROGRESS}"""

CREATE_BACKUP = f"""
mutation CreateBackup($input: CreateBackupInput!) {{
  createBackup(input: $input) {{ {BACKUP_FIELDS} }}
}}"""

BACKUPS = f"""
query Backups($limit: Int, $status: BackupStatus, $type: BackupType, $before: String,
              $includeDeleted: Boolean) {{
  backups(limit: $limit, status: $status, type: $type, before: $before,
          includeDeleted: $includeDeleted) {{ {BACKUP_FIELDS} }}
}}"""

BACKUP = f"""
query Backup($backupId: String!) {{ backup(backupId: $backupId) {{ {BACKUP_FIELDS} }} }}
"""

BACKUP_PROGRESS = f"""
subscription BackupProgress($backupId: String!) {{
  backupProgress(backupId: $backupId) {{ {BACKUP_FIELDS} }}
}}"""

CONFIRMATION_CODE = """
query ConfirmationCode($backupId: String!) { restoreConfirmationCode(backupId: $backupId) }
"""

RESTORE_BACKUP = f"""
mutation RestoreBackup($input: RestoreBackupInput!) {{
  restoreBackup(input: $input) {{ {RESTORE_FIELDS} }}
}}"""

RESTORE_PLAN = """
query RestorePlan($input: RestoreBackupInput!) {
  restorePlan(input: $input) {
    tablesReplaced { name rowsNow rowsInBackup }
    tablesCreated columnsAdded columnsLost objectsDropped
    uploadsReplaced preRestoreSnapshot warnings refusal
  }
}"""

VERIFY_BACKUP = f"""
mutation VerifyBackup($backupId: String!) {{
  verifyBackup(backupId: $backupId) {{ {BACKUP_FIELDS} }}
}}"""

RESTORE_PROGRESS = f"""
subscription RestoreProgress($id: ID!) {{ restoreProgress(id: $id) {{ {RESTORE_FIELDS} }} }}
"""

ALL = {
    name: value
    for name, value in globals().items()
    if name.isupper()
    and name not in ("PROGRESS", "VERIFICATION", "BACKUP_FIELDS", "RESTORE_FIELDS", "ALL")
}
