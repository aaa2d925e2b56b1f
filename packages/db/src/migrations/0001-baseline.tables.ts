import type { TableSpec } from './ddl.ts';

// The baseline schema. Frozen: later changes go into new migrations, never here.
// Columns of the old Python service keep their names and meaning; everything it lacked is
// nullable or has a constant default, so an old database can be upgraded in place.

const text = (n: number | 'max') => ({ text: n }) as const;

export const schemaMigrations: TableSpec = {
  name: 'SchemaMigrations',
  columns: {
    MigrationID: { type: text(200), notNull: true, primaryKey: true },
    AppliedAt: { type: 'datetime', notNull: true, default: 'now' },
  },
  indexes: [],
};

export const tokenMaster: TableSpec = {
  name: 'TokenMaster',
  columns: {
    TokenID: { type: 'id' },
    CompanyID: { type: text(50), notNull: true },
    CompanyName: { type: text(200) },
    ApiKey: { type: text(1000), notNull: true },
    KeyHint: { type: text(32) },
    KeyHash: { type: text(64) },
    Provider: { type: text(100), notNull: true, default: 'Gemini' },
    TotalTokenLimit: { type: 'int', notNull: true, default: 100000 },
    Status: { type: text(50), notNull: true, default: 'Active' },
    StatusReason: { type: text(500) },
    ExpiresAt: { type: 'datetime' },
    RetiresAt: { type: 'datetime' },
    CooldownUntil: { type: 'datetime' },
    RotatedFromTokenID: { type: 'int' },
    DeletedAt: { type: 'datetime' },
    CreatedAt: { type: 'datetime', notNull: true, default: 'now' },
    UpdatedAt: { type: 'datetime' },
  },
  indexes: [
    { name: 'IX_TokenMaster_Company_Status', columns: ['CompanyID', 'Status'] },
    { name: 'UX_TokenMaster_KeyHash', columns: ['KeyHash'], unique: true, whereNotNull: 'KeyHash' },
    { name: 'IX_TokenMaster_RotatedFrom', columns: ['RotatedFromTokenID'] },
  ],
};

export const tokenUsageSummary: TableSpec = {
  name: 'TokenUsageSummary',
  columns: {
    SummaryID: { type: 'id' },
    TokenID: { type: 'int', notNull: true, references: 'TokenMaster.TokenID' },
    TotalUsedTokens: { type: 'int', notNull: true, default: 0 },
    TotalRemainingTokens: { type: 'int', notNull: true, default: 100000 },
    ReservedTokens: { type: 'int', notNull: true, default: 0 },
    Threshold: { type: 'int', notNull: true, default: 3000 },
    RequestCount: { type: 'int', notNull: true, default: 0 },
    LastUsedAt: { type: 'datetime' },
    ThresholdWarnedAt: { type: 'datetime' },
    LastUpdated: { type: 'datetime', notNull: true, default: 'now' },
  },
  indexes: [{ name: 'UX_TokenUsageSummary_TokenID', columns: ['TokenID'], unique: true }],
};

export const tokenUsageLogs: TableSpec = {
  name: 'TokenUsageLogs',
  columns: {
    UsageID: { type: 'id' },
    TokenID: { type: 'int', notNull: true, references: 'TokenMaster.TokenID' },
    CompanyID: { type: text(50) },
    RequestID: { type: text(64) },
    Branch: { type: text(100), notNull: true, default: 'Default' },
    RequestedBy: { type: text(100), notNull: true, default: 'System' },
    InputTokens: { type: 'int', notNull: true, default: 0 },
    OutputTokens: { type: 'int', notNull: true, default: 0 },
    ThoughtsTokens: { type: 'int', notNull: true, default: 0 },
    TextPromptTokens: { type: 'int', notNull: true, default: 0 },
    ImagePromptTokens: { type: 'int', notNull: true, default: 0 },
    DocumentPromptTokens: { type: 'int', notNull: true, default: 0 },
    TextCandidatesTokens: { type: 'int', notNull: true, default: 0 },
    CachedTokens: { type: 'int', notNull: true, default: 0 },
    TotalTokensUsed: { type: 'int', notNull: true, default: 0 },
    RequestCount: { type: 'int', notNull: true, default: 1 },
    Model: { type: text(100) },
    Outcome: { type: text(32) },
    LatencyMs: { type: 'int' },
    LoggedAt: { type: 'datetime', notNull: true, default: 'now' },
  },
  indexes: [
    { name: 'IX_TokenUsageLogs_Token_LoggedAt', columns: ['TokenID', 'LoggedAt'] },
    { name: 'IX_TokenUsageLogs_Company_LoggedAt', columns: ['CompanyID', 'LoggedAt'] },
    { name: 'IX_TokenUsageLogs_LoggedAt', columns: ['LoggedAt'] },
    { name: 'IX_TokenUsageLogs_RequestID', columns: ['RequestID'] },
  ],
};

export const tokenReservations: TableSpec = {
  name: 'TokenReservations',
  columns: {
    ReservationID: { type: 'id' },
    TokenID: { type: 'int', notNull: true, references: 'TokenMaster.TokenID' },
    CompanyID: { type: text(50), notNull: true },
    RequestID: { type: text(64), notNull: true },
    ReservedTokens: { type: 'int', notNull: true },
    InstanceID: { type: text(100) },
    CreatedAt: { type: 'datetime', notNull: true, default: 'now' },
    ExpiresAt: { type: 'datetime', notNull: true },
  },
  indexes: [
    { name: 'IX_TokenReservations_TokenID', columns: ['TokenID'] },
    { name: 'IX_TokenReservations_ExpiresAt', columns: ['ExpiresAt'] },
    { name: 'IX_TokenReservations_RequestID', columns: ['RequestID'] },
  ],
};

export const auditLog: TableSpec = {
  name: 'AuditLog',
  columns: {
    AuditID: { type: 'id' },
    TokenID: { type: 'int' },
    CompanyID: { type: text(50) },
    Action: { type: text(64), notNull: true },
    Actor: { type: text(200), notNull: true },
    Reason: { type: text(1000) },
    BeforeJson: { type: text('max') },
    AfterJson: { type: text('max') },
    RequestID: { type: text(64) },
    CreatedAt: { type: 'datetime', notNull: true, default: 'now' },
  },
  indexes: [
    { name: 'IX_AuditLog_Token_CreatedAt', columns: ['TokenID', 'CreatedAt'] },
    { name: 'IX_AuditLog_Company_CreatedAt', columns: ['CompanyID', 'CreatedAt'] },
    { name: 'IX_AuditLog_CreatedAt', columns: ['CreatedAt'] },
  ],
};

export const applicationLogs: TableSpec = {
  name: 'ApplicationLogs',
  columns: {
    LogID: { type: 'id' },
    Timestamp: { type: 'datetime', notNull: true, default: 'now' },
    LogLevel: { type: text(20) },
    Logger: { type: text(255) },
    Message: { type: text('max') },
    Exception: { type: text('max') },
    Module: { type: text(255) },
    FunctionName: { type: text(255) },
    LineNumber: { type: 'int' },
    RequestID: { type: text(64) },
    CompanyID: { type: text(50) },
    Context: { type: text('max') },
  },
  indexes: [
    { name: 'IX_ApplicationLogs_Timestamp', columns: ['Timestamp'] },
    { name: 'IX_ApplicationLogs_Level_Timestamp', columns: ['LogLevel', 'Timestamp'] },
    { name: 'IX_ApplicationLogs_Company_Timestamp', columns: ['CompanyID', 'Timestamp'] },
    { name: 'IX_ApplicationLogs_RequestID', columns: ['RequestID'] },
  ],
};

export const retryAttempts: TableSpec = {
  name: 'RetryAttempts',
  columns: {
    RetryID: { type: 'id' },
    TokenID: { type: 'int' },
    CompanyID: { type: text(50) },
    RequestID: { type: text(64) },
    Attempt: { type: 'int' },
    ErrorCode: { type: text(64) },
    HttpStatus: { type: 'int' },
    ErrorMessage: { type: text('max') },
    IsRetryable: { type: 'bit', notNull: true, default: true },
    IsFinal: { type: 'bit', notNull: true, default: false },
    DelayMs: { type: 'int' },
    Timestamp: { type: 'datetime', notNull: true, default: 'now' },
  },
  indexes: [
    { name: 'IX_RetryAttempts_Token_Timestamp', columns: ['TokenID', 'Timestamp'] },
    { name: 'IX_RetryAttempts_Company_Timestamp', columns: ['CompanyID', 'Timestamp'] },
    { name: 'IX_RetryAttempts_Timestamp', columns: ['Timestamp'] },
    { name: 'IX_RetryAttempts_RequestID', columns: ['RequestID'] },
  ],
};

/** In creation order: referenced tables first. */
export const BASELINE_TABLES: ReadonlyArray<{ spec: TableSpec; tokenTable: boolean }> = [
  { spec: tokenMaster, tokenTable: true },
  { spec: tokenUsageSummary, tokenTable: true },
  { spec: tokenUsageLogs, tokenTable: true },
  { spec: tokenReservations, tokenTable: true },
  { spec: auditLog, tokenTable: false },
  { spec: applicationLogs, tokenTable: false },
  { spec: retryAttempts, tokenTable: false },
];
