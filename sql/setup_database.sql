-- GENERATED FILE: do not edit. Source: packages/db/src/migrations (pnpm sql:generate).
--
-- Creates or upgrades every table, index and view of the invoice gateway.
-- Run it in SSMS (open, Execute) or: sqlcmd -S host,1433 -d YourDatabase -U user -b -i sql/setup_database.sql
-- Running it again changes nothing. On a database made by the old Python service (token tables
-- in [docUpload]) it upgrades those tables in place and keeps every row.
-- The service runs the same statements itself at startup.

SET NOCOUNT ON;
SET XACT_ABORT ON;
SET ANSI_NULLS ON;
SET QUOTED_IDENTIFIER ON;
GO

-- migration 0001-baseline
PRINT N'migration 0001-baseline';
GO

if schema_id('dbo') is null exec('create schema [dbo]')
GO

if (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null)
begin
  if schema_id('docUpload') is null exec('create schema [docUpload]')
end
GO

if not (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null)
begin
  if schema_id('dbo') is null exec('create schema [dbo]')
end
GO

if object_id('dbo.SchemaMigrations', N'U') is null create table "dbo"."SchemaMigrations" ("MigrationID" nvarchar(200) not null primary key, "AppliedAt" datetime2(3) default sysutcdatetime() not null)
GO

if col_length('dbo.SchemaMigrations', 'AppliedAt') is null alter table "dbo"."SchemaMigrations" add "AppliedAt" datetime2(3) default sysutcdatetime() not null
GO

if (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null)
begin
  if object_id('docUpload.TokenMaster', N'U') is null create table "docUpload"."TokenMaster" ("TokenID" int identity primary key, "CompanyID" nvarchar(50) not null, "CompanyName" nvarchar(200), "ApiKey" nvarchar(1000) not null, "KeyHint" nvarchar(32), "KeyHash" nvarchar(64), "Provider" nvarchar(100) default 'Gemini' not null, "TotalTokenLimit" int default 100000 not null, "Status" nvarchar(50) default 'Active' not null, "StatusReason" nvarchar(500), "ExpiresAt" datetime2(3), "RetiresAt" datetime2(3), "CooldownUntil" datetime2(3), "RotatedFromTokenID" int, "DeletedAt" datetime2(3), "CreatedAt" datetime2(3) default sysutcdatetime() not null, "UpdatedAt" datetime2(3))
end
GO

if not (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null)
begin
  if object_id('dbo.TokenMaster', N'U') is null create table "dbo"."TokenMaster" ("TokenID" int identity primary key, "CompanyID" nvarchar(50) not null, "CompanyName" nvarchar(200), "ApiKey" nvarchar(1000) not null, "KeyHint" nvarchar(32), "KeyHash" nvarchar(64), "Provider" nvarchar(100) default 'Gemini' not null, "TotalTokenLimit" int default 100000 not null, "Status" nvarchar(50) default 'Active' not null, "StatusReason" nvarchar(500), "ExpiresAt" datetime2(3), "RetiresAt" datetime2(3), "CooldownUntil" datetime2(3), "RotatedFromTokenID" int, "DeletedAt" datetime2(3), "CreatedAt" datetime2(3) default sysutcdatetime() not null, "UpdatedAt" datetime2(3))
end
GO

if (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null)
begin
  if col_length('docUpload.TokenMaster', 'CompanyID') is null alter table "docUpload"."TokenMaster" add "CompanyID" nvarchar(50) not null
end
GO

if not (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null)
begin
  if col_length('dbo.TokenMaster', 'CompanyID') is null alter table "dbo"."TokenMaster" add "CompanyID" nvarchar(50) not null
end
GO

if (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null)
begin
  if col_length('docUpload.TokenMaster', 'CompanyName') is null alter table "docUpload"."TokenMaster" add "CompanyName" nvarchar(200)
end
GO

if not (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null)
begin
  if col_length('dbo.TokenMaster', 'CompanyName') is null alter table "dbo"."TokenMaster" add "CompanyName" nvarchar(200)
end
GO

if (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null)
begin
  if col_length('docUpload.TokenMaster', 'ApiKey') is null alter table "docUpload"."TokenMaster" add "ApiKey" nvarchar(1000) not null
end
GO

if not (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null)
begin
  if col_length('dbo.TokenMaster', 'ApiKey') is null alter table "dbo"."TokenMaster" add "ApiKey" nvarchar(1000) not null
end
GO

if (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null)
begin
  if col_length('docUpload.TokenMaster', 'KeyHint') is null alter table "docUpload"."TokenMaster" add "KeyHint" nvarchar(32)
end
GO

if not (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null)
begin
  if col_length('dbo.TokenMaster', 'KeyHint') is null alter table "dbo"."TokenMaster" add "KeyHint" nvarchar(32)
end
GO

if (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null)
begin
  if col_length('docUpload.TokenMaster', 'KeyHash') is null alter table "docUpload"."TokenMaster" add "KeyHash" nvarchar(64)
end
GO

if not (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null)
begin
  if col_length('dbo.TokenMaster', 'KeyHash') is null alter table "dbo"."TokenMaster" add "KeyHash" nvarchar(64)
end
GO

if (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null)
begin
  if col_length('docUpload.TokenMaster', 'Provider') is null alter table "docUpload"."TokenMaster" add "Provider" nvarchar(100) default 'Gemini' not null
end
GO

if not (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null)
begin
  if col_length('dbo.TokenMaster', 'Provider') is null alter table "dbo"."TokenMaster" add "Provider" nvarchar(100) default 'Gemini' not null
end
GO

if (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null)
begin
  if col_length('docUpload.TokenMaster', 'TotalTokenLimit') is null alter table "docUpload"."TokenMaster" add "TotalTokenLimit" int default 100000 not null
end
GO

if not (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null)
begin
  if col_length('dbo.TokenMaster', 'TotalTokenLimit') is null alter table "dbo"."TokenMaster" add "TotalTokenLimit" int default 100000 not null
end
GO

if (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null)
begin
  if col_length('docUpload.TokenMaster', 'Status') is null alter table "docUpload"."TokenMaster" add "Status" nvarchar(50) default 'Active' not null
end
GO

if not (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null)
begin
  if col_length('dbo.TokenMaster', 'Status') is null alter table "dbo"."TokenMaster" add "Status" nvarchar(50) default 'Active' not null
end
GO

if (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null)
begin
  if col_length('docUpload.TokenMaster', 'StatusReason') is null alter table "docUpload"."TokenMaster" add "StatusReason" nvarchar(500)
end
GO

if not (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null)
begin
  if col_length('dbo.TokenMaster', 'StatusReason') is null alter table "dbo"."TokenMaster" add "StatusReason" nvarchar(500)
end
GO

if (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null)
begin
  if col_length('docUpload.TokenMaster', 'ExpiresAt') is null alter table "docUpload"."TokenMaster" add "ExpiresAt" datetime2(3)
end
GO

if not (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null)
begin
  if col_length('dbo.TokenMaster', 'ExpiresAt') is null alter table "dbo"."TokenMaster" add "ExpiresAt" datetime2(3)
end
GO

if (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null)
begin
  if col_length('docUpload.TokenMaster', 'RetiresAt') is null alter table "docUpload"."TokenMaster" add "RetiresAt" datetime2(3)
end
GO

if not (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null)
begin
  if col_length('dbo.TokenMaster', 'RetiresAt') is null alter table "dbo"."TokenMaster" add "RetiresAt" datetime2(3)
end
GO

if (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null)
begin
  if col_length('docUpload.TokenMaster', 'CooldownUntil') is null alter table "docUpload"."TokenMaster" add "CooldownUntil" datetime2(3)
end
GO

if not (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null)
begin
  if col_length('dbo.TokenMaster', 'CooldownUntil') is null alter table "dbo"."TokenMaster" add "CooldownUntil" datetime2(3)
end
GO

if (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null)
begin
  if col_length('docUpload.TokenMaster', 'RotatedFromTokenID') is null alter table "docUpload"."TokenMaster" add "RotatedFromTokenID" int
end
GO

if not (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null)
begin
  if col_length('dbo.TokenMaster', 'RotatedFromTokenID') is null alter table "dbo"."TokenMaster" add "RotatedFromTokenID" int
end
GO

if (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null)
begin
  if col_length('docUpload.TokenMaster', 'DeletedAt') is null alter table "docUpload"."TokenMaster" add "DeletedAt" datetime2(3)
end
GO

if not (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null)
begin
  if col_length('dbo.TokenMaster', 'DeletedAt') is null alter table "dbo"."TokenMaster" add "DeletedAt" datetime2(3)
end
GO

if (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null)
begin
  if col_length('docUpload.TokenMaster', 'CreatedAt') is null alter table "docUpload"."TokenMaster" add "CreatedAt" datetime2(3) default sysutcdatetime() not null
end
GO

if not (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null)
begin
  if col_length('dbo.TokenMaster', 'CreatedAt') is null alter table "dbo"."TokenMaster" add "CreatedAt" datetime2(3) default sysutcdatetime() not null
end
GO

if (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null)
begin
  if col_length('docUpload.TokenMaster', 'UpdatedAt') is null alter table "docUpload"."TokenMaster" add "UpdatedAt" datetime2(3)
end
GO

if not (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null)
begin
  if col_length('dbo.TokenMaster', 'UpdatedAt') is null alter table "dbo"."TokenMaster" add "UpdatedAt" datetime2(3)
end
GO

if (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null)
begin
  if object_id('docUpload.TokenUsageSummary', N'U') is null create table "docUpload"."TokenUsageSummary" ("SummaryID" int identity primary key, "TokenID" int not null references "docUpload"."TokenMaster" ("TokenID"), "TotalUsedTokens" int default 0 not null, "TotalRemainingTokens" int default 100000 not null, "ReservedTokens" int default 0 not null, "Threshold" int default 3000 not null, "RequestCount" int default 0 not null, "LastUsedAt" datetime2(3), "ThresholdWarnedAt" datetime2(3), "LastUpdated" datetime2(3) default sysutcdatetime() not null)
end
GO

if not (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null)
begin
  if object_id('dbo.TokenUsageSummary', N'U') is null create table "dbo"."TokenUsageSummary" ("SummaryID" int identity primary key, "TokenID" int not null references "dbo"."TokenMaster" ("TokenID"), "TotalUsedTokens" int default 0 not null, "TotalRemainingTokens" int default 100000 not null, "ReservedTokens" int default 0 not null, "Threshold" int default 3000 not null, "RequestCount" int default 0 not null, "LastUsedAt" datetime2(3), "ThresholdWarnedAt" datetime2(3), "LastUpdated" datetime2(3) default sysutcdatetime() not null)
end
GO

if (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null)
begin
  if col_length('docUpload.TokenUsageSummary', 'TokenID') is null alter table "docUpload"."TokenUsageSummary" add "TokenID" int not null
end
GO

if not (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null)
begin
  if col_length('dbo.TokenUsageSummary', 'TokenID') is null alter table "dbo"."TokenUsageSummary" add "TokenID" int not null
end
GO

if (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null)
begin
  if col_length('docUpload.TokenUsageSummary', 'TotalUsedTokens') is null alter table "docUpload"."TokenUsageSummary" add "TotalUsedTokens" int default 0 not null
end
GO

if not (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null)
begin
  if col_length('dbo.TokenUsageSummary', 'TotalUsedTokens') is null alter table "dbo"."TokenUsageSummary" add "TotalUsedTokens" int default 0 not null
end
GO

if (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null)
begin
  if col_length('docUpload.TokenUsageSummary', 'TotalRemainingTokens') is null alter table "docUpload"."TokenUsageSummary" add "TotalRemainingTokens" int default 100000 not null
end
GO

if not (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null)
begin
  if col_length('dbo.TokenUsageSummary', 'TotalRemainingTokens') is null alter table "dbo"."TokenUsageSummary" add "TotalRemainingTokens" int default 100000 not null
end
GO

if (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null)
begin
  if col_length('docUpload.TokenUsageSummary', 'ReservedTokens') is null alter table "docUpload"."TokenUsageSummary" add "ReservedTokens" int default 0 not null
end
GO

if not (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null)
begin
  if col_length('dbo.TokenUsageSummary', 'ReservedTokens') is null alter table "dbo"."TokenUsageSummary" add "ReservedTokens" int default 0 not null
end
GO

if (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null)
begin
  if col_length('docUpload.TokenUsageSummary', 'Threshold') is null alter table "docUpload"."TokenUsageSummary" add "Threshold" int default 3000 not null
end
GO

if not (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null)
begin
  if col_length('dbo.TokenUsageSummary', 'Threshold') is null alter table "dbo"."TokenUsageSummary" add "Threshold" int default 3000 not null
end
GO

if (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null)
begin
  if col_length('docUpload.TokenUsageSummary', 'RequestCount') is null alter table "docUpload"."TokenUsageSummary" add "RequestCount" int default 0 not null
end
GO

if not (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null)
begin
  if col_length('dbo.TokenUsageSummary', 'RequestCount') is null alter table "dbo"."TokenUsageSummary" add "RequestCount" int default 0 not null
end
GO

if (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null)
begin
  if col_length('docUpload.TokenUsageSummary', 'LastUsedAt') is null alter table "docUpload"."TokenUsageSummary" add "LastUsedAt" datetime2(3)
end
GO

if not (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null)
begin
  if col_length('dbo.TokenUsageSummary', 'LastUsedAt') is null alter table "dbo"."TokenUsageSummary" add "LastUsedAt" datetime2(3)
end
GO

if (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null)
begin
  if col_length('docUpload.TokenUsageSummary', 'ThresholdWarnedAt') is null alter table "docUpload"."TokenUsageSummary" add "ThresholdWarnedAt" datetime2(3)
end
GO

if not (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null)
begin
  if col_length('dbo.TokenUsageSummary', 'ThresholdWarnedAt') is null alter table "dbo"."TokenUsageSummary" add "ThresholdWarnedAt" datetime2(3)
end
GO

if (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null)
begin
  if col_length('docUpload.TokenUsageSummary', 'LastUpdated') is null alter table "docUpload"."TokenUsageSummary" add "LastUpdated" datetime2(3) default sysutcdatetime() not null
end
GO

if not (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null)
begin
  if col_length('dbo.TokenUsageSummary', 'LastUpdated') is null alter table "dbo"."TokenUsageSummary" add "LastUpdated" datetime2(3) default sysutcdatetime() not null
end
GO

if (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null)
begin
  if object_id('docUpload.TokenUsageLogs', N'U') is null create table "docUpload"."TokenUsageLogs" ("UsageID" int identity primary key, "TokenID" int not null references "docUpload"."TokenMaster" ("TokenID"), "CompanyID" nvarchar(50), "RequestID" nvarchar(64), "Branch" nvarchar(100) default 'Default' not null, "RequestedBy" nvarchar(100) default 'System' not null, "InputTokens" int default 0 not null, "OutputTokens" int default 0 not null, "ThoughtsTokens" int default 0 not null, "TextPromptTokens" int default 0 not null, "ImagePromptTokens" int default 0 not null, "DocumentPromptTokens" int default 0 not null, "TextCandidatesTokens" int default 0 not null, "CachedTokens" int default 0 not null, "TotalTokensUsed" int default 0 not null, "RequestCount" int default 1 not null, "Model" nvarchar(100), "Outcome" nvarchar(32), "LatencyMs" int, "LoggedAt" datetime2(3) default sysutcdatetime() not null)
end
GO

if not (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null)
begin
  if object_id('dbo.TokenUsageLogs', N'U') is null create table "dbo"."TokenUsageLogs" ("UsageID" int identity primary key, "TokenID" int not null references "dbo"."TokenMaster" ("TokenID"), "CompanyID" nvarchar(50), "RequestID" nvarchar(64), "Branch" nvarchar(100) default 'Default' not null, "RequestedBy" nvarchar(100) default 'System' not null, "InputTokens" int default 0 not null, "OutputTokens" int default 0 not null, "ThoughtsTokens" int default 0 not null, "TextPromptTokens" int default 0 not null, "ImagePromptTokens" int default 0 not null, "DocumentPromptTokens" int default 0 not null, "TextCandidatesTokens" int default 0 not null, "CachedTokens" int default 0 not null, "TotalTokensUsed" int default 0 not null, "RequestCount" int default 1 not null, "Model" nvarchar(100), "Outcome" nvarchar(32), "LatencyMs" int, "LoggedAt" datetime2(3) default sysutcdatetime() not null)
end
GO

if (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null)
begin
  if col_length('docUpload.TokenUsageLogs', 'TokenID') is null alter table "docUpload"."TokenUsageLogs" add "TokenID" int not null
end
GO

if not (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null)
begin
  if col_length('dbo.TokenUsageLogs', 'TokenID') is null alter table "dbo"."TokenUsageLogs" add "TokenID" int not null
end
GO

if (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null)
begin
  if col_length('docUpload.TokenUsageLogs', 'CompanyID') is null alter table "docUpload"."TokenUsageLogs" add "CompanyID" nvarchar(50)
end
GO

if not (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null)
begin
  if col_length('dbo.TokenUsageLogs', 'CompanyID') is null alter table "dbo"."TokenUsageLogs" add "CompanyID" nvarchar(50)
end
GO

if (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null)
begin
  if col_length('docUpload.TokenUsageLogs', 'RequestID') is null alter table "docUpload"."TokenUsageLogs" add "RequestID" nvarchar(64)
end
GO

if not (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null)
begin
  if col_length('dbo.TokenUsageLogs', 'RequestID') is null alter table "dbo"."TokenUsageLogs" add "RequestID" nvarchar(64)
end
GO

if (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null)
begin
  if col_length('docUpload.TokenUsageLogs', 'Branch') is null alter table "docUpload"."TokenUsageLogs" add "Branch" nvarchar(100) default 'Default' not null
end
GO

if not (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null)
begin
  if col_length('dbo.TokenUsageLogs', 'Branch') is null alter table "dbo"."TokenUsageLogs" add "Branch" nvarchar(100) default 'Default' not null
end
GO

if (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null)
begin
  if col_length('docUpload.TokenUsageLogs', 'RequestedBy') is null alter table "docUpload"."TokenUsageLogs" add "RequestedBy" nvarchar(100) default 'System' not null
end
GO

if not (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null)
begin
  if col_length('dbo.TokenUsageLogs', 'RequestedBy') is null alter table "dbo"."TokenUsageLogs" add "RequestedBy" nvarchar(100) default 'System' not null
end
GO

if (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null)
begin
  if col_length('docUpload.TokenUsageLogs', 'InputTokens') is null alter table "docUpload"."TokenUsageLogs" add "InputTokens" int default 0 not null
end
GO

if not (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null)
begin
  if col_length('dbo.TokenUsageLogs', 'InputTokens') is null alter table "dbo"."TokenUsageLogs" add "InputTokens" int default 0 not null
end
GO

if (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null)
begin
  if col_length('docUpload.TokenUsageLogs', 'OutputTokens') is null alter table "docUpload"."TokenUsageLogs" add "OutputTokens" int default 0 not null
end
GO

if not (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null)
begin
  if col_length('dbo.TokenUsageLogs', 'OutputTokens') is null alter table "dbo"."TokenUsageLogs" add "OutputTokens" int default 0 not null
end
GO

if (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null)
begin
  if col_length('docUpload.TokenUsageLogs', 'ThoughtsTokens') is null alter table "docUpload"."TokenUsageLogs" add "ThoughtsTokens" int default 0 not null
end
GO

if not (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null)
begin
  if col_length('dbo.TokenUsageLogs', 'ThoughtsTokens') is null alter table "dbo"."TokenUsageLogs" add "ThoughtsTokens" int default 0 not null
end
GO

if (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null)
begin
  if col_length('docUpload.TokenUsageLogs', 'TextPromptTokens') is null alter table "docUpload"."TokenUsageLogs" add "TextPromptTokens" int default 0 not null
end
GO

if not (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null)
begin
  if col_length('dbo.TokenUsageLogs', 'TextPromptTokens') is null alter table "dbo"."TokenUsageLogs" add "TextPromptTokens" int default 0 not null
end
GO

if (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null)
begin
  if col_length('docUpload.TokenUsageLogs', 'ImagePromptTokens') is null alter table "docUpload"."TokenUsageLogs" add "ImagePromptTokens" int default 0 not null
end
GO

if not (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null)
begin
  if col_length('dbo.TokenUsageLogs', 'ImagePromptTokens') is null alter table "dbo"."TokenUsageLogs" add "ImagePromptTokens" int default 0 not null
end
GO

if (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null)
begin
  if col_length('docUpload.TokenUsageLogs', 'DocumentPromptTokens') is null alter table "docUpload"."TokenUsageLogs" add "DocumentPromptTokens" int default 0 not null
end
GO

if not (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null)
begin
  if col_length('dbo.TokenUsageLogs', 'DocumentPromptTokens') is null alter table "dbo"."TokenUsageLogs" add "DocumentPromptTokens" int default 0 not null
end
GO

if (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null)
begin
  if col_length('docUpload.TokenUsageLogs', 'TextCandidatesTokens') is null alter table "docUpload"."TokenUsageLogs" add "TextCandidatesTokens" int default 0 not null
end
GO

if not (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null)
begin
  if col_length('dbo.TokenUsageLogs', 'TextCandidatesTokens') is null alter table "dbo"."TokenUsageLogs" add "TextCandidatesTokens" int default 0 not null
end
GO

if (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null)
begin
  if col_length('docUpload.TokenUsageLogs', 'CachedTokens') is null alter table "docUpload"."TokenUsageLogs" add "CachedTokens" int default 0 not null
end
GO

if not (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null)
begin
  if col_length('dbo.TokenUsageLogs', 'CachedTokens') is null alter table "dbo"."TokenUsageLogs" add "CachedTokens" int default 0 not null
end
GO

if (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null)
begin
  if col_length('docUpload.TokenUsageLogs', 'TotalTokensUsed') is null alter table "docUpload"."TokenUsageLogs" add "TotalTokensUsed" int default 0 not null
end
GO

if not (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null)
begin
  if col_length('dbo.TokenUsageLogs', 'TotalTokensUsed') is null alter table "dbo"."TokenUsageLogs" add "TotalTokensUsed" int default 0 not null
end
GO

if (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null)
begin
  if col_length('docUpload.TokenUsageLogs', 'RequestCount') is null alter table "docUpload"."TokenUsageLogs" add "RequestCount" int default 1 not null
end
GO

if not (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null)
begin
  if col_length('dbo.TokenUsageLogs', 'RequestCount') is null alter table "dbo"."TokenUsageLogs" add "RequestCount" int default 1 not null
end
GO

if (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null)
begin
  if col_length('docUpload.TokenUsageLogs', 'Model') is null alter table "docUpload"."TokenUsageLogs" add "Model" nvarchar(100)
end
GO

if not (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null)
begin
  if col_length('dbo.TokenUsageLogs', 'Model') is null alter table "dbo"."TokenUsageLogs" add "Model" nvarchar(100)
end
GO

if (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null)
begin
  if col_length('docUpload.TokenUsageLogs', 'Outcome') is null alter table "docUpload"."TokenUsageLogs" add "Outcome" nvarchar(32)
end
GO

if not (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null)
begin
  if col_length('dbo.TokenUsageLogs', 'Outcome') is null alter table "dbo"."TokenUsageLogs" add "Outcome" nvarchar(32)
end
GO

if (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null)
begin
  if col_length('docUpload.TokenUsageLogs', 'LatencyMs') is null alter table "docUpload"."TokenUsageLogs" add "LatencyMs" int
end
GO

if not (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null)
begin
  if col_length('dbo.TokenUsageLogs', 'LatencyMs') is null alter table "dbo"."TokenUsageLogs" add "LatencyMs" int
end
GO

if (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null)
begin
  if col_length('docUpload.TokenUsageLogs', 'LoggedAt') is null alter table "docUpload"."TokenUsageLogs" add "LoggedAt" datetime2(3) default sysutcdatetime() not null
end
GO

if not (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null)
begin
  if col_length('dbo.TokenUsageLogs', 'LoggedAt') is null alter table "dbo"."TokenUsageLogs" add "LoggedAt" datetime2(3) default sysutcdatetime() not null
end
GO

if (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null)
begin
  if object_id('docUpload.TokenReservations', N'U') is null create table "docUpload"."TokenReservations" ("ReservationID" int identity primary key, "TokenID" int not null references "docUpload"."TokenMaster" ("TokenID"), "CompanyID" nvarchar(50) not null, "RequestID" nvarchar(64) not null, "ReservedTokens" int not null, "InstanceID" nvarchar(100), "CreatedAt" datetime2(3) default sysutcdatetime() not null, "ExpiresAt" datetime2(3) not null)
end
GO

if not (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null)
begin
  if object_id('dbo.TokenReservations', N'U') is null create table "dbo"."TokenReservations" ("ReservationID" int identity primary key, "TokenID" int not null references "dbo"."TokenMaster" ("TokenID"), "CompanyID" nvarchar(50) not null, "RequestID" nvarchar(64) not null, "ReservedTokens" int not null, "InstanceID" nvarchar(100), "CreatedAt" datetime2(3) default sysutcdatetime() not null, "ExpiresAt" datetime2(3) not null)
end
GO

if (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null)
begin
  if col_length('docUpload.TokenReservations', 'TokenID') is null alter table "docUpload"."TokenReservations" add "TokenID" int not null
end
GO

if not (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null)
begin
  if col_length('dbo.TokenReservations', 'TokenID') is null alter table "dbo"."TokenReservations" add "TokenID" int not null
end
GO

if (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null)
begin
  if col_length('docUpload.TokenReservations', 'CompanyID') is null alter table "docUpload"."TokenReservations" add "CompanyID" nvarchar(50) not null
end
GO

if not (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null)
begin
  if col_length('dbo.TokenReservations', 'CompanyID') is null alter table "dbo"."TokenReservations" add "CompanyID" nvarchar(50) not null
end
GO

if (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null)
begin
  if col_length('docUpload.TokenReservations', 'RequestID') is null alter table "docUpload"."TokenReservations" add "RequestID" nvarchar(64) not null
end
GO

if not (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null)
begin
  if col_length('dbo.TokenReservations', 'RequestID') is null alter table "dbo"."TokenReservations" add "RequestID" nvarchar(64) not null
end
GO

if (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null)
begin
  if col_length('docUpload.TokenReservations', 'ReservedTokens') is null alter table "docUpload"."TokenReservations" add "ReservedTokens" int not null
end
GO

if not (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null)
begin
  if col_length('dbo.TokenReservations', 'ReservedTokens') is null alter table "dbo"."TokenReservations" add "ReservedTokens" int not null
end
GO

if (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null)
begin
  if col_length('docUpload.TokenReservations', 'InstanceID') is null alter table "docUpload"."TokenReservations" add "InstanceID" nvarchar(100)
end
GO

if not (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null)
begin
  if col_length('dbo.TokenReservations', 'InstanceID') is null alter table "dbo"."TokenReservations" add "InstanceID" nvarchar(100)
end
GO

if (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null)
begin
  if col_length('docUpload.TokenReservations', 'CreatedAt') is null alter table "docUpload"."TokenReservations" add "CreatedAt" datetime2(3) default sysutcdatetime() not null
end
GO

if not (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null)
begin
  if col_length('dbo.TokenReservations', 'CreatedAt') is null alter table "dbo"."TokenReservations" add "CreatedAt" datetime2(3) default sysutcdatetime() not null
end
GO

if (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null)
begin
  if col_length('docUpload.TokenReservations', 'ExpiresAt') is null alter table "docUpload"."TokenReservations" add "ExpiresAt" datetime2(3) not null
end
GO

if not (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null)
begin
  if col_length('dbo.TokenReservations', 'ExpiresAt') is null alter table "dbo"."TokenReservations" add "ExpiresAt" datetime2(3) not null
end
GO

if object_id('dbo.AuditLog', N'U') is null create table "dbo"."AuditLog" ("AuditID" int identity primary key, "TokenID" int, "CompanyID" nvarchar(50), "Action" nvarchar(64) not null, "Actor" nvarchar(200) not null, "Reason" nvarchar(1000), "BeforeJson" nvarchar(max), "AfterJson" nvarchar(max), "RequestID" nvarchar(64), "CreatedAt" datetime2(3) default sysutcdatetime() not null)
GO

if col_length('dbo.AuditLog', 'TokenID') is null alter table "dbo"."AuditLog" add "TokenID" int
GO

if col_length('dbo.AuditLog', 'CompanyID') is null alter table "dbo"."AuditLog" add "CompanyID" nvarchar(50)
GO

if col_length('dbo.AuditLog', 'Action') is null alter table "dbo"."AuditLog" add "Action" nvarchar(64) not null
GO

if col_length('dbo.AuditLog', 'Actor') is null alter table "dbo"."AuditLog" add "Actor" nvarchar(200) not null
GO

if col_length('dbo.AuditLog', 'Reason') is null alter table "dbo"."AuditLog" add "Reason" nvarchar(1000)
GO

if col_length('dbo.AuditLog', 'BeforeJson') is null alter table "dbo"."AuditLog" add "BeforeJson" nvarchar(max)
GO

if col_length('dbo.AuditLog', 'AfterJson') is null alter table "dbo"."AuditLog" add "AfterJson" nvarchar(max)
GO

if col_length('dbo.AuditLog', 'RequestID') is null alter table "dbo"."AuditLog" add "RequestID" nvarchar(64)
GO

if col_length('dbo.AuditLog', 'CreatedAt') is null alter table "dbo"."AuditLog" add "CreatedAt" datetime2(3) default sysutcdatetime() not null
GO

if object_id('dbo.ApplicationLogs', N'U') is null create table "dbo"."ApplicationLogs" ("LogID" int identity primary key, "Timestamp" datetime2(3) default sysutcdatetime() not null, "LogLevel" nvarchar(20), "Logger" nvarchar(255), "Message" nvarchar(max), "Exception" nvarchar(max), "Module" nvarchar(255), "FunctionName" nvarchar(255), "LineNumber" int, "RequestID" nvarchar(64), "CompanyID" nvarchar(50), "Context" nvarchar(max))
GO

if col_length('dbo.ApplicationLogs', 'Timestamp') is null alter table "dbo"."ApplicationLogs" add "Timestamp" datetime2(3) default sysutcdatetime() not null
GO

if col_length('dbo.ApplicationLogs', 'LogLevel') is null alter table "dbo"."ApplicationLogs" add "LogLevel" nvarchar(20)
GO

if col_length('dbo.ApplicationLogs', 'Logger') is null alter table "dbo"."ApplicationLogs" add "Logger" nvarchar(255)
GO

if col_length('dbo.ApplicationLogs', 'Message') is null alter table "dbo"."ApplicationLogs" add "Message" nvarchar(max)
GO

if col_length('dbo.ApplicationLogs', 'Exception') is null alter table "dbo"."ApplicationLogs" add "Exception" nvarchar(max)
GO

if col_length('dbo.ApplicationLogs', 'Module') is null alter table "dbo"."ApplicationLogs" add "Module" nvarchar(255)
GO

if col_length('dbo.ApplicationLogs', 'FunctionName') is null alter table "dbo"."ApplicationLogs" add "FunctionName" nvarchar(255)
GO

if col_length('dbo.ApplicationLogs', 'LineNumber') is null alter table "dbo"."ApplicationLogs" add "LineNumber" int
GO

if col_length('dbo.ApplicationLogs', 'RequestID') is null alter table "dbo"."ApplicationLogs" add "RequestID" nvarchar(64)
GO

if col_length('dbo.ApplicationLogs', 'CompanyID') is null alter table "dbo"."ApplicationLogs" add "CompanyID" nvarchar(50)
GO

if col_length('dbo.ApplicationLogs', 'Context') is null alter table "dbo"."ApplicationLogs" add "Context" nvarchar(max)
GO

if object_id('dbo.RetryAttempts', N'U') is null create table "dbo"."RetryAttempts" ("RetryID" int identity primary key, "TokenID" int, "CompanyID" nvarchar(50), "RequestID" nvarchar(64), "Attempt" int, "ErrorCode" nvarchar(64), "HttpStatus" int, "ErrorMessage" nvarchar(max), "IsRetryable" bit default 1 not null, "IsFinal" bit default 0 not null, "DelayMs" int, "Timestamp" datetime2(3) default sysutcdatetime() not null)
GO

if col_length('dbo.RetryAttempts', 'TokenID') is null alter table "dbo"."RetryAttempts" add "TokenID" int
GO

if col_length('dbo.RetryAttempts', 'CompanyID') is null alter table "dbo"."RetryAttempts" add "CompanyID" nvarchar(50)
GO

if col_length('dbo.RetryAttempts', 'RequestID') is null alter table "dbo"."RetryAttempts" add "RequestID" nvarchar(64)
GO

if col_length('dbo.RetryAttempts', 'Attempt') is null alter table "dbo"."RetryAttempts" add "Attempt" int
GO

if col_length('dbo.RetryAttempts', 'ErrorCode') is null alter table "dbo"."RetryAttempts" add "ErrorCode" nvarchar(64)
GO

if col_length('dbo.RetryAttempts', 'HttpStatus') is null alter table "dbo"."RetryAttempts" add "HttpStatus" int
GO

if col_length('dbo.RetryAttempts', 'ErrorMessage') is null alter table "dbo"."RetryAttempts" add "ErrorMessage" nvarchar(max)
GO

if col_length('dbo.RetryAttempts', 'IsRetryable') is null alter table "dbo"."RetryAttempts" add "IsRetryable" bit default 1 not null
GO

if col_length('dbo.RetryAttempts', 'IsFinal') is null alter table "dbo"."RetryAttempts" add "IsFinal" bit default 0 not null
GO

if col_length('dbo.RetryAttempts', 'DelayMs') is null alter table "dbo"."RetryAttempts" add "DelayMs" int
GO

if col_length('dbo.RetryAttempts', 'Timestamp') is null alter table "dbo"."RetryAttempts" add "Timestamp" datetime2(3) default sysutcdatetime() not null
GO

if (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null) and not exists (select 1 from "dbo"."SchemaMigrations" where "MigrationID" = N'0001-baseline')
begin
  update "docUpload"."TokenMaster" set "TotalTokenLimit" = 100000 where "TotalTokenLimit" is null
end
GO

if not (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null) and not exists (select 1 from "dbo"."SchemaMigrations" where "MigrationID" = N'0001-baseline')
begin
  update "dbo"."TokenMaster" set "TotalTokenLimit" = 100000 where "TotalTokenLimit" is null
end
GO

if (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null) and not exists (select 1 from "dbo"."SchemaMigrations" where "MigrationID" = N'0001-baseline')
begin
  update "docUpload"."TokenMaster" set "Provider" = 'Gemini' where "Provider" is null
end
GO

if not (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null) and not exists (select 1 from "dbo"."SchemaMigrations" where "MigrationID" = N'0001-baseline')
begin
  update "dbo"."TokenMaster" set "Provider" = 'Gemini' where "Provider" is null
end
GO

if (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null) and not exists (select 1 from "dbo"."SchemaMigrations" where "MigrationID" = N'0001-baseline')
begin
  update "docUpload"."TokenMaster" set "Status" = 'Disabled', "StatusReason" = 'imported without a status' where "Status" is null
end
GO

if not (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null) and not exists (select 1 from "dbo"."SchemaMigrations" where "MigrationID" = N'0001-baseline')
begin
  update "dbo"."TokenMaster" set "Status" = 'Disabled', "StatusReason" = 'imported without a status' where "Status" is null
end
GO

if (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null) and not exists (select 1 from "dbo"."SchemaMigrations" where "MigrationID" = N'0001-baseline')
begin
  update "docUpload"."TokenMaster" set "UpdatedAt" = "CreatedAt" where "UpdatedAt" is null
end
GO

if not (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null) and not exists (select 1 from "dbo"."SchemaMigrations" where "MigrationID" = N'0001-baseline')
begin
  update "dbo"."TokenMaster" set "UpdatedAt" = "CreatedAt" where "UpdatedAt" is null
end
GO

if (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null) and not exists (select 1 from "dbo"."SchemaMigrations" where "MigrationID" = N'0001-baseline')
begin
  update "docUpload"."TokenUsageLogs" set "CompanyID" = (select "t"."CompanyID" from "docUpload"."TokenMaster" as "t" where "t"."TokenID" = "docUpload"."TokenUsageLogs"."TokenID") where "CompanyID" is null
end
GO

if not (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null) and not exists (select 1 from "dbo"."SchemaMigrations" where "MigrationID" = N'0001-baseline')
begin
  update "dbo"."TokenUsageLogs" set "CompanyID" = (select "t"."CompanyID" from "dbo"."TokenMaster" as "t" where "t"."TokenID" = "dbo"."TokenUsageLogs"."TokenID") where "CompanyID" is null
end
GO

if (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null) and not exists (select 1 from "dbo"."SchemaMigrations" where "MigrationID" = N'0001-baseline')
begin
  delete from "docUpload"."TokenUsageSummary" where "TokenID" is null
end
GO

if not (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null) and not exists (select 1 from "dbo"."SchemaMigrations" where "MigrationID" = N'0001-baseline')
begin
  delete from "dbo"."TokenUsageSummary" where "TokenID" is null
end
GO

if (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null) and not exists (select 1 from "dbo"."SchemaMigrations" where "MigrationID" = N'0001-baseline')
begin
  delete from "docUpload"."TokenUsageSummary" where "SummaryID" not in (select min("SummaryID") as "id" from "docUpload"."TokenUsageSummary" group by "TokenID")
end
GO

if not (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null) and not exists (select 1 from "dbo"."SchemaMigrations" where "MigrationID" = N'0001-baseline')
begin
  delete from "dbo"."TokenUsageSummary" where "SummaryID" not in (select min("SummaryID") as "id" from "dbo"."TokenUsageSummary" group by "TokenID")
end
GO

if (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null) and not exists (select 1 from "dbo"."SchemaMigrations" where "MigrationID" = N'0001-baseline')
begin
  insert into "docUpload"."TokenUsageSummary" ("TokenID", "TotalUsedTokens", "TotalRemainingTokens", "ReservedTokens", "Threshold", "RequestCount") select "t"."TokenID", 0 as "TotalUsedTokens", "t"."TotalTokenLimit" as "TotalRemainingTokens", 0 as "ReservedTokens", 3000 as "Threshold", 0 as "RequestCount" from "docUpload"."TokenMaster" as "t" where not exists (select 1 as "one" from "docUpload"."TokenUsageSummary" as "s" where "s"."TokenID" = "t"."TokenID")
end
GO

if not (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null) and not exists (select 1 from "dbo"."SchemaMigrations" where "MigrationID" = N'0001-baseline')
begin
  insert into "dbo"."TokenUsageSummary" ("TokenID", "TotalUsedTokens", "TotalRemainingTokens", "ReservedTokens", "Threshold", "RequestCount") select "t"."TokenID", 0 as "TotalUsedTokens", "t"."TotalTokenLimit" as "TotalRemainingTokens", 0 as "ReservedTokens", 3000 as "Threshold", 0 as "RequestCount" from "dbo"."TokenMaster" as "t" where not exists (select 1 as "one" from "dbo"."TokenUsageSummary" as "s" where "s"."TokenID" = "t"."TokenID")
end
GO

if (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null) and not exists (select 1 from "dbo"."SchemaMigrations" where "MigrationID" = N'0001-baseline')
begin
  update "docUpload"."TokenUsageSummary" set "TotalUsedTokens" = coalesce((select sum("u"."TotalTokensUsed") as "n" from "docUpload"."TokenUsageLogs" as "u" where "u"."TokenID" = "docUpload"."TokenUsageSummary"."TokenID"), 0), "RequestCount" = coalesce((select sum("u"."RequestCount") as "n" from "docUpload"."TokenUsageLogs" as "u" where "u"."TokenID" = "docUpload"."TokenUsageSummary"."TokenID"), 0)
end
GO

if not (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null) and not exists (select 1 from "dbo"."SchemaMigrations" where "MigrationID" = N'0001-baseline')
begin
  update "dbo"."TokenUsageSummary" set "TotalUsedTokens" = coalesce((select sum("u"."TotalTokensUsed") as "n" from "dbo"."TokenUsageLogs" as "u" where "u"."TokenID" = "dbo"."TokenUsageSummary"."TokenID"), 0), "RequestCount" = coalesce((select sum("u"."RequestCount") as "n" from "dbo"."TokenUsageLogs" as "u" where "u"."TokenID" = "dbo"."TokenUsageSummary"."TokenID"), 0)
end
GO

if (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null) and not exists (select 1 from "dbo"."SchemaMigrations" where "MigrationID" = N'0001-baseline')
begin
  update "docUpload"."TokenUsageSummary" set "TotalRemainingTokens" = (select "t"."TotalTokenLimit" from "docUpload"."TokenMaster" as "t" where "t"."TokenID" = "docUpload"."TokenUsageSummary"."TokenID") - "TotalUsedTokens"
end
GO

if not (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null) and not exists (select 1 from "dbo"."SchemaMigrations" where "MigrationID" = N'0001-baseline')
begin
  update "dbo"."TokenUsageSummary" set "TotalRemainingTokens" = (select "t"."TotalTokenLimit" from "dbo"."TokenMaster" as "t" where "t"."TokenID" = "dbo"."TokenUsageSummary"."TokenID") - "TotalUsedTokens"
end
GO

if (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null)
begin
  if indexproperty(object_id('docUpload.TokenMaster'), 'IX_TokenMaster_Company_Status', 'IndexID') is null create index "IX_TokenMaster_Company_Status" on "docUpload"."TokenMaster" ("CompanyID", "Status")
end
GO

if not (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null)
begin
  if indexproperty(object_id('dbo.TokenMaster'), 'IX_TokenMaster_Company_Status', 'IndexID') is null create index "IX_TokenMaster_Company_Status" on "dbo"."TokenMaster" ("CompanyID", "Status")
end
GO

if (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null)
begin
  if indexproperty(object_id('docUpload.TokenMaster'), 'UX_TokenMaster_KeyHash', 'IndexID') is null create unique index "UX_TokenMaster_KeyHash" on "docUpload"."TokenMaster" ("KeyHash") where "KeyHash" is not null
end
GO

if not (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null)
begin
  if indexproperty(object_id('dbo.TokenMaster'), 'UX_TokenMaster_KeyHash', 'IndexID') is null create unique index "UX_TokenMaster_KeyHash" on "dbo"."TokenMaster" ("KeyHash") where "KeyHash" is not null
end
GO

if (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null)
begin
  if indexproperty(object_id('docUpload.TokenMaster'), 'IX_TokenMaster_RotatedFrom', 'IndexID') is null create index "IX_TokenMaster_RotatedFrom" on "docUpload"."TokenMaster" ("RotatedFromTokenID")
end
GO

if not (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null)
begin
  if indexproperty(object_id('dbo.TokenMaster'), 'IX_TokenMaster_RotatedFrom', 'IndexID') is null create index "IX_TokenMaster_RotatedFrom" on "dbo"."TokenMaster" ("RotatedFromTokenID")
end
GO

if (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null)
begin
  if indexproperty(object_id('docUpload.TokenUsageSummary'), 'UX_TokenUsageSummary_TokenID', 'IndexID') is null create unique index "UX_TokenUsageSummary_TokenID" on "docUpload"."TokenUsageSummary" ("TokenID")
end
GO

if not (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null)
begin
  if indexproperty(object_id('dbo.TokenUsageSummary'), 'UX_TokenUsageSummary_TokenID', 'IndexID') is null create unique index "UX_TokenUsageSummary_TokenID" on "dbo"."TokenUsageSummary" ("TokenID")
end
GO

if (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null)
begin
  if indexproperty(object_id('docUpload.TokenUsageLogs'), 'IX_TokenUsageLogs_Token_LoggedAt', 'IndexID') is null create index "IX_TokenUsageLogs_Token_LoggedAt" on "docUpload"."TokenUsageLogs" ("TokenID", "LoggedAt")
end
GO

if not (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null)
begin
  if indexproperty(object_id('dbo.TokenUsageLogs'), 'IX_TokenUsageLogs_Token_LoggedAt', 'IndexID') is null create index "IX_TokenUsageLogs_Token_LoggedAt" on "dbo"."TokenUsageLogs" ("TokenID", "LoggedAt")
end
GO

if (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null)
begin
  if indexproperty(object_id('docUpload.TokenUsageLogs'), 'IX_TokenUsageLogs_Company_LoggedAt', 'IndexID') is null create index "IX_TokenUsageLogs_Company_LoggedAt" on "docUpload"."TokenUsageLogs" ("CompanyID", "LoggedAt")
end
GO

if not (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null)
begin
  if indexproperty(object_id('dbo.TokenUsageLogs'), 'IX_TokenUsageLogs_Company_LoggedAt', 'IndexID') is null create index "IX_TokenUsageLogs_Company_LoggedAt" on "dbo"."TokenUsageLogs" ("CompanyID", "LoggedAt")
end
GO

if (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null)
begin
  if indexproperty(object_id('docUpload.TokenUsageLogs'), 'IX_TokenUsageLogs_LoggedAt', 'IndexID') is null create index "IX_TokenUsageLogs_LoggedAt" on "docUpload"."TokenUsageLogs" ("LoggedAt")
end
GO

if not (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null)
begin
  if indexproperty(object_id('dbo.TokenUsageLogs'), 'IX_TokenUsageLogs_LoggedAt', 'IndexID') is null create index "IX_TokenUsageLogs_LoggedAt" on "dbo"."TokenUsageLogs" ("LoggedAt")
end
GO

if (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null)
begin
  if indexproperty(object_id('docUpload.TokenUsageLogs'), 'IX_TokenUsageLogs_RequestID', 'IndexID') is null create index "IX_TokenUsageLogs_RequestID" on "docUpload"."TokenUsageLogs" ("RequestID")
end
GO

if not (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null)
begin
  if indexproperty(object_id('dbo.TokenUsageLogs'), 'IX_TokenUsageLogs_RequestID', 'IndexID') is null create index "IX_TokenUsageLogs_RequestID" on "dbo"."TokenUsageLogs" ("RequestID")
end
GO

if (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null)
begin
  if indexproperty(object_id('docUpload.TokenReservations'), 'IX_TokenReservations_TokenID', 'IndexID') is null create index "IX_TokenReservations_TokenID" on "docUpload"."TokenReservations" ("TokenID")
end
GO

if not (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null)
begin
  if indexproperty(object_id('dbo.TokenReservations'), 'IX_TokenReservations_TokenID', 'IndexID') is null create index "IX_TokenReservations_TokenID" on "dbo"."TokenReservations" ("TokenID")
end
GO

if (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null)
begin
  if indexproperty(object_id('docUpload.TokenReservations'), 'IX_TokenReservations_ExpiresAt', 'IndexID') is null create index "IX_TokenReservations_ExpiresAt" on "docUpload"."TokenReservations" ("ExpiresAt")
end
GO

if not (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null)
begin
  if indexproperty(object_id('dbo.TokenReservations'), 'IX_TokenReservations_ExpiresAt', 'IndexID') is null create index "IX_TokenReservations_ExpiresAt" on "dbo"."TokenReservations" ("ExpiresAt")
end
GO

if (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null)
begin
  if indexproperty(object_id('docUpload.TokenReservations'), 'IX_TokenReservations_RequestID', 'IndexID') is null create index "IX_TokenReservations_RequestID" on "docUpload"."TokenReservations" ("RequestID")
end
GO

if not (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null)
begin
  if indexproperty(object_id('dbo.TokenReservations'), 'IX_TokenReservations_RequestID', 'IndexID') is null create index "IX_TokenReservations_RequestID" on "dbo"."TokenReservations" ("RequestID")
end
GO

if indexproperty(object_id('dbo.AuditLog'), 'IX_AuditLog_Token_CreatedAt', 'IndexID') is null create index "IX_AuditLog_Token_CreatedAt" on "dbo"."AuditLog" ("TokenID", "CreatedAt")
GO

if indexproperty(object_id('dbo.AuditLog'), 'IX_AuditLog_Company_CreatedAt', 'IndexID') is null create index "IX_AuditLog_Company_CreatedAt" on "dbo"."AuditLog" ("CompanyID", "CreatedAt")
GO

if indexproperty(object_id('dbo.AuditLog'), 'IX_AuditLog_CreatedAt', 'IndexID') is null create index "IX_AuditLog_CreatedAt" on "dbo"."AuditLog" ("CreatedAt")
GO

if indexproperty(object_id('dbo.ApplicationLogs'), 'IX_ApplicationLogs_Timestamp', 'IndexID') is null create index "IX_ApplicationLogs_Timestamp" on "dbo"."ApplicationLogs" ("Timestamp")
GO

if indexproperty(object_id('dbo.ApplicationLogs'), 'IX_ApplicationLogs_Level_Timestamp', 'IndexID') is null create index "IX_ApplicationLogs_Level_Timestamp" on "dbo"."ApplicationLogs" ("LogLevel", "Timestamp")
GO

if indexproperty(object_id('dbo.ApplicationLogs'), 'IX_ApplicationLogs_Company_Timestamp', 'IndexID') is null create index "IX_ApplicationLogs_Company_Timestamp" on "dbo"."ApplicationLogs" ("CompanyID", "Timestamp")
GO

if indexproperty(object_id('dbo.ApplicationLogs'), 'IX_ApplicationLogs_RequestID', 'IndexID') is null create index "IX_ApplicationLogs_RequestID" on "dbo"."ApplicationLogs" ("RequestID")
GO

if indexproperty(object_id('dbo.RetryAttempts'), 'IX_RetryAttempts_Token_Timestamp', 'IndexID') is null create index "IX_RetryAttempts_Token_Timestamp" on "dbo"."RetryAttempts" ("TokenID", "Timestamp")
GO

if indexproperty(object_id('dbo.RetryAttempts'), 'IX_RetryAttempts_Company_Timestamp', 'IndexID') is null create index "IX_RetryAttempts_Company_Timestamp" on "dbo"."RetryAttempts" ("CompanyID", "Timestamp")
GO

if indexproperty(object_id('dbo.RetryAttempts'), 'IX_RetryAttempts_Timestamp', 'IndexID') is null create index "IX_RetryAttempts_Timestamp" on "dbo"."RetryAttempts" ("Timestamp")
GO

if indexproperty(object_id('dbo.RetryAttempts'), 'IX_RetryAttempts_RequestID', 'IndexID') is null create index "IX_RetryAttempts_RequestID" on "dbo"."RetryAttempts" ("RequestID")
GO

drop view if exists "dbo"."vw_TokenStatus"
GO

if (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null)
  exec(N'create view "dbo"."vw_TokenStatus" as select "t"."TokenID", "t"."CompanyID", "t"."CompanyName", "t"."Provider", "t"."KeyHint", "t"."Status", "t"."TotalTokenLimit", coalesce("s"."TotalUsedTokens", 0) as "TotalUsedTokens", coalesce("s"."ReservedTokens", 0) as "ReservedTokens", ("t"."TotalTokenLimit" - coalesce("s"."TotalUsedTokens", 0)) as "TotalRemainingTokens", ("t"."TotalTokenLimit" - coalesce("s"."TotalUsedTokens", 0)) - coalesce("s"."ReservedTokens", 0) as "AvailableTokens", coalesce("s"."Threshold", 3000) as "Threshold", coalesce("s"."RequestCount", 0) as "RequestCount", "t"."ExpiresAt", "s"."LastUsedAt", "t"."CreatedAt", "s"."LastUpdated", case
    when "t"."Status" = ''Expired'' or ("t"."ExpiresAt" is not null and "t"."ExpiresAt" <= sysutcdatetime()) then ''EXPIRED''
    when "t"."Status" = ''Exceeded'' or ("t"."TotalTokenLimit" - coalesce("s"."TotalUsedTokens", 0)) <= 0 then ''EXCEEDED''
    when "t"."Status" = ''Disabled'' then ''DISABLED''
    when "t"."Status" = ''Invalid'' then ''INVALID''
    when ("t"."TotalTokenLimit" - coalesce("s"."TotalUsedTokens", 0)) < coalesce("s"."Threshold", 3000) then ''WARNING''
    else ''OK'' end as "HealthStatus" from "docUpload"."TokenMaster" as "t" left join "docUpload"."TokenUsageSummary" as "s" on "s"."TokenID" = "t"."TokenID" where "t"."DeletedAt" is null')
GO

if not (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null)
  exec(N'create view "dbo"."vw_TokenStatus" as select "t"."TokenID", "t"."CompanyID", "t"."CompanyName", "t"."Provider", "t"."KeyHint", "t"."Status", "t"."TotalTokenLimit", coalesce("s"."TotalUsedTokens", 0) as "TotalUsedTokens", coalesce("s"."ReservedTokens", 0) as "ReservedTokens", ("t"."TotalTokenLimit" - coalesce("s"."TotalUsedTokens", 0)) as "TotalRemainingTokens", ("t"."TotalTokenLimit" - coalesce("s"."TotalUsedTokens", 0)) - coalesce("s"."ReservedTokens", 0) as "AvailableTokens", coalesce("s"."Threshold", 3000) as "Threshold", coalesce("s"."RequestCount", 0) as "RequestCount", "t"."ExpiresAt", "s"."LastUsedAt", "t"."CreatedAt", "s"."LastUpdated", case
    when "t"."Status" = ''Expired'' or ("t"."ExpiresAt" is not null and "t"."ExpiresAt" <= sysutcdatetime()) then ''EXPIRED''
    when "t"."Status" = ''Exceeded'' or ("t"."TotalTokenLimit" - coalesce("s"."TotalUsedTokens", 0)) <= 0 then ''EXCEEDED''
    when "t"."Status" = ''Disabled'' then ''DISABLED''
    when "t"."Status" = ''Invalid'' then ''INVALID''
    when ("t"."TotalTokenLimit" - coalesce("s"."TotalUsedTokens", 0)) < coalesce("s"."Threshold", 3000) then ''WARNING''
    else ''OK'' end as "HealthStatus" from "dbo"."TokenMaster" as "t" left join "dbo"."TokenUsageSummary" as "s" on "s"."TokenID" = "t"."TokenID" where "t"."DeletedAt" is null')
GO

drop view if exists "dbo"."vw_UsageSummary"
GO

if (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null)
  exec(N'create view "dbo"."vw_UsageSummary" as select "t"."CompanyID", max("t"."CompanyName") as "CompanyName", count(distinct "u"."Branch") as "Branches", count(distinct "u"."RequestedBy") as "Users", cast(sum("u"."RequestCount") as bigint) as "TotalRequests", cast(sum("u"."TotalTokensUsed") as bigint) as "TotalTokensUsed", cast(sum("u"."TotalTokensUsed") as float) / nullif(sum("u"."RequestCount"), 0) as "AvgTokensPerRequest", min("u"."LoggedAt") as "FirstUsed", max("u"."LoggedAt") as "LastUsed", datediff(day, min("u"."LoggedAt"), max("u"."LoggedAt")) as "DaysActive" from "docUpload"."TokenUsageLogs" as "u" inner join "docUpload"."TokenMaster" as "t" on "t"."TokenID" = "u"."TokenID" group by "t"."CompanyID"')
GO

if not (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null)
  exec(N'create view "dbo"."vw_UsageSummary" as select "t"."CompanyID", max("t"."CompanyName") as "CompanyName", count(distinct "u"."Branch") as "Branches", count(distinct "u"."RequestedBy") as "Users", cast(sum("u"."RequestCount") as bigint) as "TotalRequests", cast(sum("u"."TotalTokensUsed") as bigint) as "TotalTokensUsed", cast(sum("u"."TotalTokensUsed") as float) / nullif(sum("u"."RequestCount"), 0) as "AvgTokensPerRequest", min("u"."LoggedAt") as "FirstUsed", max("u"."LoggedAt") as "LastUsed", datediff(day, min("u"."LoggedAt"), max("u"."LoggedAt")) as "DaysActive" from "dbo"."TokenUsageLogs" as "u" inner join "dbo"."TokenMaster" as "t" on "t"."TokenID" = "u"."TokenID" group by "t"."CompanyID"')
GO

drop view if exists "dbo"."vw_RecentErrors"
GO

create view "dbo"."vw_RecentErrors" as select "e"."LogID", "e"."Timestamp", "e"."LogLevel", "e"."Logger", "e"."Message", "e"."Exception", "e"."Module", "e"."FunctionName", "e"."LineNumber", "e"."RequestID", "e"."CompanyID", datediff(minute, "e"."Timestamp", sysutcdatetime()) as "MinutesAgo" from (select "l"."LogID", "l"."Timestamp", "l"."LogLevel", "l"."Logger", "l"."Message", "l"."Exception", "l"."Module", "l"."FunctionName", "l"."LineNumber", "l"."RequestID", "l"."CompanyID", row_number() over (order by "l"."Timestamp" desc, "l"."LogID" desc) as "rn" from "dbo"."ApplicationLogs" as "l" where "l"."LogLevel" in ('ERROR', 'CRITICAL')) as "e" where "e"."rn" <= 100
GO

drop view if exists "dbo"."vw_FailedRetries"
GO

create view "dbo"."vw_FailedRetries" as select "r"."RequestID", "r"."CompanyID", "r"."TokenID" as "LastTokenID", "r"."Attempts", (select count(distinct "k"."TokenID") as "n" from "dbo"."RetryAttempts" as "k" where "k"."RequestID" = "r"."RequestID") as "KeysTried", "r"."ErrorCode" as "LastErrorCode", "r"."HttpStatus" as "LastHttpStatus", "r"."ErrorMessage" as "LastErrorMessage", "r"."TotalDelayMs", "r"."FirstAttemptAt", "r"."Timestamp" as "LastAttemptAt" from (select "a"."RequestID", "a"."CompanyID", "a"."TokenID", "a"."ErrorCode", "a"."HttpStatus", "a"."ErrorMessage", "a"."IsFinal", "a"."Timestamp", row_number() over (partition by "a"."RequestID" order by "a"."Attempt" desc, "a"."RetryID" desc) as "rn", count(*) over (partition by "a"."RequestID") as "Attempts", cast(sum(coalesce("a"."DelayMs", 0)) over (partition by "a"."RequestID") as bigint) as "TotalDelayMs", min("a"."Timestamp") over (partition by "a"."RequestID") as "FirstAttemptAt" from "dbo"."RetryAttempts" as "a" where "a"."RequestID" is not null) as "r" where "r"."rn" = 1 and "r"."IsFinal" = 1
GO

insert into "dbo"."SchemaMigrations" ("MigrationID", "AppliedAt") select '0001-baseline' as "MigrationID", sysutcdatetime() as "AppliedAt" where not exists (select 1 as "one" from "dbo"."SchemaMigrations" where "MigrationID" = '0001-baseline')
GO

-- migration 0002-client-keys
PRINT N'migration 0002-client-keys';
GO

if object_id('dbo.ClientKeys', N'U') is null create table "dbo"."ClientKeys" ("ClientKeyID" int identity primary key, "CompanyID" nvarchar(50) not null, "KeyHash" nvarchar(64) not null, "KeyHint" nvarchar(32) not null, "Label" nvarchar(200), "CreatedAt" datetime2(3) default sysutcdatetime() not null, "LastUsedAt" datetime2(3), "RevokedAt" datetime2(3))
GO

if col_length('dbo.ClientKeys', 'CompanyID') is null alter table "dbo"."ClientKeys" add "CompanyID" nvarchar(50) not null
GO

if col_length('dbo.ClientKeys', 'KeyHash') is null alter table "dbo"."ClientKeys" add "KeyHash" nvarchar(64) not null
GO

if col_length('dbo.ClientKeys', 'KeyHint') is null alter table "dbo"."ClientKeys" add "KeyHint" nvarchar(32) not null
GO

if col_length('dbo.ClientKeys', 'Label') is null alter table "dbo"."ClientKeys" add "Label" nvarchar(200)
GO

if col_length('dbo.ClientKeys', 'CreatedAt') is null alter table "dbo"."ClientKeys" add "CreatedAt" datetime2(3) default sysutcdatetime() not null
GO

if col_length('dbo.ClientKeys', 'LastUsedAt') is null alter table "dbo"."ClientKeys" add "LastUsedAt" datetime2(3)
GO

if col_length('dbo.ClientKeys', 'RevokedAt') is null alter table "dbo"."ClientKeys" add "RevokedAt" datetime2(3)
GO

if indexproperty(object_id('dbo.ClientKeys'), 'UX_ClientKeys_KeyHash', 'IndexID') is null create unique index "UX_ClientKeys_KeyHash" on "dbo"."ClientKeys" ("KeyHash")
GO

if indexproperty(object_id('dbo.ClientKeys'), 'IX_ClientKeys_CompanyID', 'IndexID') is null create index "IX_ClientKeys_CompanyID" on "dbo"."ClientKeys" ("CompanyID")
GO

insert into "dbo"."SchemaMigrations" ("MigrationID", "AppliedAt") select '0002-client-keys' as "MigrationID", sysutcdatetime() as "AppliedAt" where not exists (select 1 as "one" from "dbo"."SchemaMigrations" where "MigrationID" = '0002-client-keys')
GO

-- migration 0003-upgrade-fixes
PRINT N'migration 0003-upgrade-fixes';
GO

if (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null) and not exists (select 1 from "dbo"."SchemaMigrations" where "MigrationID" = N'0003-upgrade-fixes')
begin
  update "docUpload"."TokenUsageLogs" set "RequestCount" = 1 where "RequestCount" is null
end
GO

if not (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null) and not exists (select 1 from "dbo"."SchemaMigrations" where "MigrationID" = N'0003-upgrade-fixes')
begin
  update "dbo"."TokenUsageLogs" set "RequestCount" = 1 where "RequestCount" is null
end
GO

if (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null) and not exists (select 1 from "dbo"."SchemaMigrations" where "MigrationID" = N'0003-upgrade-fixes')
begin
  update "docUpload"."TokenUsageLogs" set "InputTokens" = 0 where "InputTokens" is null
end
GO

if not (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null) and not exists (select 1 from "dbo"."SchemaMigrations" where "MigrationID" = N'0003-upgrade-fixes')
begin
  update "dbo"."TokenUsageLogs" set "InputTokens" = 0 where "InputTokens" is null
end
GO

if (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null) and not exists (select 1 from "dbo"."SchemaMigrations" where "MigrationID" = N'0003-upgrade-fixes')
begin
  update "docUpload"."TokenUsageLogs" set "OutputTokens" = 0 where "OutputTokens" is null
end
GO

if not (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null) and not exists (select 1 from "dbo"."SchemaMigrations" where "MigrationID" = N'0003-upgrade-fixes')
begin
  update "dbo"."TokenUsageLogs" set "OutputTokens" = 0 where "OutputTokens" is null
end
GO

if (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null) and not exists (select 1 from "dbo"."SchemaMigrations" where "MigrationID" = N'0003-upgrade-fixes')
begin
  update "docUpload"."TokenUsageLogs" set "ThoughtsTokens" = 0 where "ThoughtsTokens" is null
end
GO

if not (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null) and not exists (select 1 from "dbo"."SchemaMigrations" where "MigrationID" = N'0003-upgrade-fixes')
begin
  update "dbo"."TokenUsageLogs" set "ThoughtsTokens" = 0 where "ThoughtsTokens" is null
end
GO

if (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null) and not exists (select 1 from "dbo"."SchemaMigrations" where "MigrationID" = N'0003-upgrade-fixes')
begin
  update "docUpload"."TokenUsageLogs" set "TextPromptTokens" = 0 where "TextPromptTokens" is null
end
GO

if not (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null) and not exists (select 1 from "dbo"."SchemaMigrations" where "MigrationID" = N'0003-upgrade-fixes')
begin
  update "dbo"."TokenUsageLogs" set "TextPromptTokens" = 0 where "TextPromptTokens" is null
end
GO

if (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null) and not exists (select 1 from "dbo"."SchemaMigrations" where "MigrationID" = N'0003-upgrade-fixes')
begin
  update "docUpload"."TokenUsageLogs" set "ImagePromptTokens" = 0 where "ImagePromptTokens" is null
end
GO

if not (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null) and not exists (select 1 from "dbo"."SchemaMigrations" where "MigrationID" = N'0003-upgrade-fixes')
begin
  update "dbo"."TokenUsageLogs" set "ImagePromptTokens" = 0 where "ImagePromptTokens" is null
end
GO

if (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null) and not exists (select 1 from "dbo"."SchemaMigrations" where "MigrationID" = N'0003-upgrade-fixes')
begin
  update "docUpload"."TokenUsageLogs" set "DocumentPromptTokens" = 0 where "DocumentPromptTokens" is null
end
GO

if not (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null) and not exists (select 1 from "dbo"."SchemaMigrations" where "MigrationID" = N'0003-upgrade-fixes')
begin
  update "dbo"."TokenUsageLogs" set "DocumentPromptTokens" = 0 where "DocumentPromptTokens" is null
end
GO

if (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null) and not exists (select 1 from "dbo"."SchemaMigrations" where "MigrationID" = N'0003-upgrade-fixes')
begin
  update "docUpload"."TokenUsageLogs" set "TextCandidatesTokens" = 0 where "TextCandidatesTokens" is null
end
GO

if not (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null) and not exists (select 1 from "dbo"."SchemaMigrations" where "MigrationID" = N'0003-upgrade-fixes')
begin
  update "dbo"."TokenUsageLogs" set "TextCandidatesTokens" = 0 where "TextCandidatesTokens" is null
end
GO

if (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null) and not exists (select 1 from "dbo"."SchemaMigrations" where "MigrationID" = N'0003-upgrade-fixes')
begin
  update "docUpload"."TokenUsageLogs" set "CachedTokens" = 0 where "CachedTokens" is null
end
GO

if not (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null) and not exists (select 1 from "dbo"."SchemaMigrations" where "MigrationID" = N'0003-upgrade-fixes')
begin
  update "dbo"."TokenUsageLogs" set "CachedTokens" = 0 where "CachedTokens" is null
end
GO

if (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null) and not exists (select 1 from "dbo"."SchemaMigrations" where "MigrationID" = N'0003-upgrade-fixes')
begin
  update "docUpload"."TokenUsageLogs" set "TotalTokensUsed" = 0 where "TotalTokensUsed" is null
end
GO

if not (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null) and not exists (select 1 from "dbo"."SchemaMigrations" where "MigrationID" = N'0003-upgrade-fixes')
begin
  update "dbo"."TokenUsageLogs" set "TotalTokensUsed" = 0 where "TotalTokensUsed" is null
end
GO

if (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null) and not exists (select 1 from "dbo"."SchemaMigrations" where "MigrationID" = N'0003-upgrade-fixes')
begin
  update "docUpload"."TokenUsageLogs" set "Branch" = 'Default' where "Branch" is null
end
GO

if not (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null) and not exists (select 1 from "dbo"."SchemaMigrations" where "MigrationID" = N'0003-upgrade-fixes')
begin
  update "dbo"."TokenUsageLogs" set "Branch" = 'Default' where "Branch" is null
end
GO

if (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null) and not exists (select 1 from "dbo"."SchemaMigrations" where "MigrationID" = N'0003-upgrade-fixes')
begin
  update "docUpload"."TokenUsageLogs" set "RequestedBy" = 'System' where "RequestedBy" is null
end
GO

if not (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null) and not exists (select 1 from "dbo"."SchemaMigrations" where "MigrationID" = N'0003-upgrade-fixes')
begin
  update "dbo"."TokenUsageLogs" set "RequestedBy" = 'System' where "RequestedBy" is null
end
GO

if (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null) and not exists (select 1 from "dbo"."SchemaMigrations" where "MigrationID" = N'0003-upgrade-fixes')
begin
  update "docUpload"."TokenUsageSummary" set "RequestCount" = coalesce((select sum("u"."RequestCount") as "n" from "docUpload"."TokenUsageLogs" as "u" where "u"."TokenID" = "docUpload"."TokenUsageSummary"."TokenID"), 0)
end
GO

if not (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null) and not exists (select 1 from "dbo"."SchemaMigrations" where "MigrationID" = N'0003-upgrade-fixes')
begin
  update "dbo"."TokenUsageSummary" set "RequestCount" = coalesce((select sum("u"."RequestCount") as "n" from "dbo"."TokenUsageLogs" as "u" where "u"."TokenID" = "dbo"."TokenUsageSummary"."TokenID"), 0)
end
GO

if object_id('docUpload.TokenMaster', N'U') is not null and object_id('dbo.TokenMaster', N'U') is null and object_id('dbo.TokenMaster', N'V') is not null drop view [dbo].[TokenMaster]
GO

if object_id('docUpload.TokenMaster', N'U') is not null and object_id('dbo.TokenMaster', N'U') is null and object_id('dbo.TokenMaster') is null exec(N'create view [dbo].[TokenMaster] as select * from [docUpload].[TokenMaster]')
GO

if object_id('docUpload.TokenUsageSummary', N'U') is not null and object_id('dbo.TokenUsageSummary', N'U') is null and object_id('dbo.TokenUsageSummary', N'V') is not null drop view [dbo].[TokenUsageSummary]
GO

if object_id('docUpload.TokenUsageSummary', N'U') is not null and object_id('dbo.TokenUsageSummary', N'U') is null and object_id('dbo.TokenUsageSummary') is null exec(N'create view [dbo].[TokenUsageSummary] as select * from [docUpload].[TokenUsageSummary]')
GO

if object_id('docUpload.TokenUsageLogs', N'U') is not null and object_id('dbo.TokenUsageLogs', N'U') is null and object_id('dbo.TokenUsageLogs', N'V') is not null drop view [dbo].[TokenUsageLogs]
GO

if object_id('docUpload.TokenUsageLogs', N'U') is not null and object_id('dbo.TokenUsageLogs', N'U') is null and object_id('dbo.TokenUsageLogs') is null exec(N'create view [dbo].[TokenUsageLogs] as select * from [docUpload].[TokenUsageLogs]')
GO

if object_id('docUpload.TokenReservations', N'U') is not null and object_id('dbo.TokenReservations', N'U') is null and object_id('dbo.TokenReservations', N'V') is not null drop view [dbo].[TokenReservations]
GO

if object_id('docUpload.TokenReservations', N'U') is not null and object_id('dbo.TokenReservations', N'U') is null and object_id('dbo.TokenReservations') is null exec(N'create view [dbo].[TokenReservations] as select * from [docUpload].[TokenReservations]')
GO

insert into "dbo"."SchemaMigrations" ("MigrationID", "AppliedAt") select '0003-upgrade-fixes' as "MigrationID", sysutcdatetime() as "AppliedAt" where not exists (select 1 as "one" from "dbo"."SchemaMigrations" where "MigrationID" = '0003-upgrade-fixes')
GO

-- migration 0004-shared-cache
PRINT N'migration 0004-shared-cache';
GO

if object_id('dbo.ResultCache', N'U') is null create table "dbo"."ResultCache" ("CacheID" int identity primary key, "CompanyID" nvarchar(50) not null, "FileSha256" nvarchar(64) not null, "ResultJson" nvarchar(max) not null, "ResultBytes" int default 0 not null, "RequestID" nvarchar(100), "CreatedAt" datetime2(3) default sysutcdatetime() not null, "ExpiresAt" datetime2(3) not null)
GO

if col_length('dbo.ResultCache', 'CompanyID') is null alter table "dbo"."ResultCache" add "CompanyID" nvarchar(50) not null
GO

if col_length('dbo.ResultCache', 'FileSha256') is null alter table "dbo"."ResultCache" add "FileSha256" nvarchar(64) not null
GO

if col_length('dbo.ResultCache', 'ResultJson') is null alter table "dbo"."ResultCache" add "ResultJson" nvarchar(max) not null
GO

if col_length('dbo.ResultCache', 'ResultBytes') is null alter table "dbo"."ResultCache" add "ResultBytes" int default 0 not null
GO

if col_length('dbo.ResultCache', 'RequestID') is null alter table "dbo"."ResultCache" add "RequestID" nvarchar(100)
GO

if col_length('dbo.ResultCache', 'CreatedAt') is null alter table "dbo"."ResultCache" add "CreatedAt" datetime2(3) default sysutcdatetime() not null
GO

if col_length('dbo.ResultCache', 'ExpiresAt') is null alter table "dbo"."ResultCache" add "ExpiresAt" datetime2(3) not null
GO

if indexproperty(object_id('dbo.ResultCache'), 'UX_ResultCache_CompanyID_FileSha256', 'IndexID') is null create unique index "UX_ResultCache_CompanyID_FileSha256" on "dbo"."ResultCache" ("CompanyID", "FileSha256")
GO

if indexproperty(object_id('dbo.ResultCache'), 'IX_ResultCache_ExpiresAt', 'IndexID') is null create index "IX_ResultCache_ExpiresAt" on "dbo"."ResultCache" ("ExpiresAt")
GO

if object_id('dbo.IdempotencyKeys', N'U') is null create table "dbo"."IdempotencyKeys" ("IdempotencyID" int identity primary key, "CompanyID" nvarchar(50) not null, "IdempotencyKey" nvarchar(200) not null, "FileSha256" nvarchar(64) not null, "State" nvarchar(16) default 'pending' not null, "OwnerID" nvarchar(64) not null, "RequestID" nvarchar(100), "ResultJson" nvarchar(max), "CreatedAt" datetime2(3) default sysutcdatetime() not null, "ExpiresAt" datetime2(3) not null)
GO

if col_length('dbo.IdempotencyKeys', 'CompanyID') is null alter table "dbo"."IdempotencyKeys" add "CompanyID" nvarchar(50) not null
GO

if col_length('dbo.IdempotencyKeys', 'IdempotencyKey') is null alter table "dbo"."IdempotencyKeys" add "IdempotencyKey" nvarchar(200) not null
GO

if col_length('dbo.IdempotencyKeys', 'FileSha256') is null alter table "dbo"."IdempotencyKeys" add "FileSha256" nvarchar(64) not null
GO

if col_length('dbo.IdempotencyKeys', 'State') is null alter table "dbo"."IdempotencyKeys" add "State" nvarchar(16) default 'pending' not null
GO

if col_length('dbo.IdempotencyKeys', 'OwnerID') is null alter table "dbo"."IdempotencyKeys" add "OwnerID" nvarchar(64) not null
GO

if col_length('dbo.IdempotencyKeys', 'RequestID') is null alter table "dbo"."IdempotencyKeys" add "RequestID" nvarchar(100)
GO

if col_length('dbo.IdempotencyKeys', 'ResultJson') is null alter table "dbo"."IdempotencyKeys" add "ResultJson" nvarchar(max)
GO

if col_length('dbo.IdempotencyKeys', 'CreatedAt') is null alter table "dbo"."IdempotencyKeys" add "CreatedAt" datetime2(3) default sysutcdatetime() not null
GO

if col_length('dbo.IdempotencyKeys', 'ExpiresAt') is null alter table "dbo"."IdempotencyKeys" add "ExpiresAt" datetime2(3) not null
GO

if indexproperty(object_id('dbo.IdempotencyKeys'), 'UX_IdempotencyKeys_CompanyID_IdempotencyKey', 'IndexID') is null create unique index "UX_IdempotencyKeys_CompanyID_IdempotencyKey" on "dbo"."IdempotencyKeys" ("CompanyID", "IdempotencyKey")
GO

if indexproperty(object_id('dbo.IdempotencyKeys'), 'IX_IdempotencyKeys_ExpiresAt', 'IndexID') is null create index "IX_IdempotencyKeys_ExpiresAt" on "dbo"."IdempotencyKeys" ("ExpiresAt")
GO

insert into "dbo"."SchemaMigrations" ("MigrationID", "AppliedAt") select '0004-shared-cache' as "MigrationID", sysutcdatetime() as "AppliedAt" where not exists (select 1 as "one" from "dbo"."SchemaMigrations" where "MigrationID" = '0004-shared-cache')
GO

-- migration 0005-presumed-charges
PRINT N'migration 0005-presumed-charges';
GO

if (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null)
begin
  if col_length('docUpload.TokenReservations', 'DispatchedAt') is null alter table "docUpload"."TokenReservations" add "DispatchedAt" datetime2(3)
end
GO

if not (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null)
begin
  if col_length('dbo.TokenReservations', 'DispatchedAt') is null alter table "dbo"."TokenReservations" add "DispatchedAt" datetime2(3)
end
GO

if (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null)
begin
  if col_length('docUpload.TokenUsageLogs', 'PresumedTokens') is null alter table "docUpload"."TokenUsageLogs" add "PresumedTokens" int default 0 not null
end
GO

if not (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null)
begin
  if col_length('dbo.TokenUsageLogs', 'PresumedTokens') is null alter table "dbo"."TokenUsageLogs" add "PresumedTokens" int default 0 not null
end
GO

if object_id('docUpload.TokenMaster', N'U') is not null and object_id('dbo.TokenMaster', N'U') is null and object_id('dbo.TokenMaster', N'V') is not null drop view [dbo].[TokenMaster]
GO

if object_id('docUpload.TokenMaster', N'U') is not null and object_id('dbo.TokenMaster', N'U') is null and object_id('dbo.TokenMaster') is null exec(N'create view [dbo].[TokenMaster] as select * from [docUpload].[TokenMaster]')
GO

if object_id('docUpload.TokenUsageSummary', N'U') is not null and object_id('dbo.TokenUsageSummary', N'U') is null and object_id('dbo.TokenUsageSummary', N'V') is not null drop view [dbo].[TokenUsageSummary]
GO

if object_id('docUpload.TokenUsageSummary', N'U') is not null and object_id('dbo.TokenUsageSummary', N'U') is null and object_id('dbo.TokenUsageSummary') is null exec(N'create view [dbo].[TokenUsageSummary] as select * from [docUpload].[TokenUsageSummary]')
GO

if object_id('docUpload.TokenUsageLogs', N'U') is not null and object_id('dbo.TokenUsageLogs', N'U') is null and object_id('dbo.TokenUsageLogs', N'V') is not null drop view [dbo].[TokenUsageLogs]
GO

if object_id('docUpload.TokenUsageLogs', N'U') is not null and object_id('dbo.TokenUsageLogs', N'U') is null and object_id('dbo.TokenUsageLogs') is null exec(N'create view [dbo].[TokenUsageLogs] as select * from [docUpload].[TokenUsageLogs]')
GO

if object_id('docUpload.TokenReservations', N'U') is not null and object_id('dbo.TokenReservations', N'U') is null and object_id('dbo.TokenReservations', N'V') is not null drop view [dbo].[TokenReservations]
GO

if object_id('docUpload.TokenReservations', N'U') is not null and object_id('dbo.TokenReservations', N'U') is null and object_id('dbo.TokenReservations') is null exec(N'create view [dbo].[TokenReservations] as select * from [docUpload].[TokenReservations]')
GO

insert into "dbo"."SchemaMigrations" ("MigrationID", "AppliedAt") select '0005-presumed-charges' as "MigrationID", sysutcdatetime() as "AppliedAt" where not exists (select 1 as "one" from "dbo"."SchemaMigrations" where "MigrationID" = '0005-presumed-charges')
GO

-- migration 0006-budget-windows
PRINT N'migration 0006-budget-windows';
GO

if (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null)
begin
  if col_length('docUpload.TokenMaster', 'BudgetPeriod') is null alter table "docUpload"."TokenMaster" add "BudgetPeriod" nvarchar(16) default 'none' not null
end
GO

if not (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null)
begin
  if col_length('dbo.TokenMaster', 'BudgetPeriod') is null alter table "dbo"."TokenMaster" add "BudgetPeriod" nvarchar(16) default 'none' not null
end
GO

if (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null)
begin
  if col_length('docUpload.TokenMaster', 'BudgetTimeZone') is null alter table "docUpload"."TokenMaster" add "BudgetTimeZone" nvarchar(64) default 'UTC' not null
end
GO

if not (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null)
begin
  if col_length('dbo.TokenMaster', 'BudgetTimeZone') is null alter table "dbo"."TokenMaster" add "BudgetTimeZone" nvarchar(64) default 'UTC' not null
end
GO

if (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null)
begin
  if col_length('docUpload.TokenUsageSummary', 'WindowStartedAt') is null alter table "docUpload"."TokenUsageSummary" add "WindowStartedAt" datetime2(3)
end
GO

if not (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null)
begin
  if col_length('dbo.TokenUsageSummary', 'WindowStartedAt') is null alter table "dbo"."TokenUsageSummary" add "WindowStartedAt" datetime2(3)
end
GO

if (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null)
begin
  if col_length('docUpload.TokenUsageSummary', 'NextResetAt') is null alter table "docUpload"."TokenUsageSummary" add "NextResetAt" datetime2(3)
end
GO

if not (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null)
begin
  if col_length('dbo.TokenUsageSummary', 'NextResetAt') is null alter table "dbo"."TokenUsageSummary" add "NextResetAt" datetime2(3)
end
GO

if (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null)
begin
  if col_length('docUpload.TokenUsageSummary', 'CarriedTokens') is null alter table "docUpload"."TokenUsageSummary" add "CarriedTokens" int default 0 not null
end
GO

if not (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null)
begin
  if col_length('dbo.TokenUsageSummary', 'CarriedTokens') is null alter table "dbo"."TokenUsageSummary" add "CarriedTokens" int default 0 not null
end
GO

if (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null)
begin
  if col_length('docUpload.TokenReservations', 'BudgetWindowEnd') is null alter table "docUpload"."TokenReservations" add "BudgetWindowEnd" datetime2(3)
end
GO

if not (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null)
begin
  if col_length('dbo.TokenReservations', 'BudgetWindowEnd') is null alter table "dbo"."TokenReservations" add "BudgetWindowEnd" datetime2(3)
end
GO

if object_id('dbo.TokenBudgetWindows', N'U') is null create table "dbo"."TokenBudgetWindows" ("WindowID" int identity primary key, "TokenID" int not null, "WindowStart" datetime2(3) not null, "WindowEnd" datetime2(3) not null, "TokensUsed" int default 0 not null, "RequestCount" int default 0 not null, "CarriedTokens" int default 0 not null, "TokenLimit" int default 0 not null, "ClosedAt" datetime2(3) default sysutcdatetime() not null)
GO

if col_length('dbo.TokenBudgetWindows', 'TokenID') is null alter table "dbo"."TokenBudgetWindows" add "TokenID" int not null
GO

if col_length('dbo.TokenBudgetWindows', 'WindowStart') is null alter table "dbo"."TokenBudgetWindows" add "WindowStart" datetime2(3) not null
GO

if col_length('dbo.TokenBudgetWindows', 'WindowEnd') is null alter table "dbo"."TokenBudgetWindows" add "WindowEnd" datetime2(3) not null
GO

if col_length('dbo.TokenBudgetWindows', 'TokensUsed') is null alter table "dbo"."TokenBudgetWindows" add "TokensUsed" int default 0 not null
GO

if col_length('dbo.TokenBudgetWindows', 'RequestCount') is null alter table "dbo"."TokenBudgetWindows" add "RequestCount" int default 0 not null
GO

if col_length('dbo.TokenBudgetWindows', 'CarriedTokens') is null alter table "dbo"."TokenBudgetWindows" add "CarriedTokens" int default 0 not null
GO

if col_length('dbo.TokenBudgetWindows', 'TokenLimit') is null alter table "dbo"."TokenBudgetWindows" add "TokenLimit" int default 0 not null
GO

if col_length('dbo.TokenBudgetWindows', 'ClosedAt') is null alter table "dbo"."TokenBudgetWindows" add "ClosedAt" datetime2(3) default sysutcdatetime() not null
GO

if indexproperty(object_id('dbo.TokenBudgetWindows'), 'UX_TokenBudgetWindows_TokenID_WindowEnd', 'IndexID') is null create unique index "UX_TokenBudgetWindows_TokenID_WindowEnd" on "dbo"."TokenBudgetWindows" ("TokenID", "WindowEnd")
GO

if object_id('docUpload.TokenMaster', N'U') is not null and object_id('dbo.TokenMaster', N'U') is null and object_id('dbo.TokenMaster', N'V') is not null drop view [dbo].[TokenMaster]
GO

if object_id('docUpload.TokenMaster', N'U') is not null and object_id('dbo.TokenMaster', N'U') is null and object_id('dbo.TokenMaster') is null exec(N'create view [dbo].[TokenMaster] as select * from [docUpload].[TokenMaster]')
GO

if object_id('docUpload.TokenUsageSummary', N'U') is not null and object_id('dbo.TokenUsageSummary', N'U') is null and object_id('dbo.TokenUsageSummary', N'V') is not null drop view [dbo].[TokenUsageSummary]
GO

if object_id('docUpload.TokenUsageSummary', N'U') is not null and object_id('dbo.TokenUsageSummary', N'U') is null and object_id('dbo.TokenUsageSummary') is null exec(N'create view [dbo].[TokenUsageSummary] as select * from [docUpload].[TokenUsageSummary]')
GO

if object_id('docUpload.TokenUsageLogs', N'U') is not null and object_id('dbo.TokenUsageLogs', N'U') is null and object_id('dbo.TokenUsageLogs', N'V') is not null drop view [dbo].[TokenUsageLogs]
GO

if object_id('docUpload.TokenUsageLogs', N'U') is not null and object_id('dbo.TokenUsageLogs', N'U') is null and object_id('dbo.TokenUsageLogs') is null exec(N'create view [dbo].[TokenUsageLogs] as select * from [docUpload].[TokenUsageLogs]')
GO

if object_id('docUpload.TokenReservations', N'U') is not null and object_id('dbo.TokenReservations', N'U') is null and object_id('dbo.TokenReservations', N'V') is not null drop view [dbo].[TokenReservations]
GO

if object_id('docUpload.TokenReservations', N'U') is not null and object_id('dbo.TokenReservations', N'U') is null and object_id('dbo.TokenReservations') is null exec(N'create view [dbo].[TokenReservations] as select * from [docUpload].[TokenReservations]')
GO

insert into "dbo"."SchemaMigrations" ("MigrationID", "AppliedAt") select '0006-budget-windows' as "MigrationID", sysutcdatetime() as "AppliedAt" where not exists (select 1 as "one" from "dbo"."SchemaMigrations" where "MigrationID" = '0006-budget-windows')
GO

-- migration 0007-alert-outbox
PRINT N'migration 0007-alert-outbox';
GO

if object_id('dbo.AlertSubscriptions', N'U') is null create table "dbo"."AlertSubscriptions" ("SubscriptionID" int identity primary key, "Url" nvarchar(2000) not null, "Events" nvarchar(500) not null, "SecretEncrypted" nvarchar(500) not null, "SecretHint" nvarchar(20) not null, "Enabled" bit default 1 not null, "AllowPrivate" bit default 0 not null, "Label" nvarchar(200), "CreatedAt" datetime2(3) default sysutcdatetime() not null, "CreatedBy" nvarchar(200) not null)
GO

if col_length('dbo.AlertSubscriptions', 'Url') is null alter table "dbo"."AlertSubscriptions" add "Url" nvarchar(2000) not null
GO

if col_length('dbo.AlertSubscriptions', 'Events') is null alter table "dbo"."AlertSubscriptions" add "Events" nvarchar(500) not null
GO

if col_length('dbo.AlertSubscriptions', 'SecretEncrypted') is null alter table "dbo"."AlertSubscriptions" add "SecretEncrypted" nvarchar(500) not null
GO

if col_length('dbo.AlertSubscriptions', 'SecretHint') is null alter table "dbo"."AlertSubscriptions" add "SecretHint" nvarchar(20) not null
GO

if col_length('dbo.AlertSubscriptions', 'Enabled') is null alter table "dbo"."AlertSubscriptions" add "Enabled" bit default 1 not null
GO

if col_length('dbo.AlertSubscriptions', 'AllowPrivate') is null alter table "dbo"."AlertSubscriptions" add "AllowPrivate" bit default 0 not null
GO

if col_length('dbo.AlertSubscriptions', 'Label') is null alter table "dbo"."AlertSubscriptions" add "Label" nvarchar(200)
GO

if col_length('dbo.AlertSubscriptions', 'CreatedAt') is null alter table "dbo"."AlertSubscriptions" add "CreatedAt" datetime2(3) default sysutcdatetime() not null
GO

if col_length('dbo.AlertSubscriptions', 'CreatedBy') is null alter table "dbo"."AlertSubscriptions" add "CreatedBy" nvarchar(200) not null
GO

if object_id('dbo.AlertOutbox', N'U') is null create table "dbo"."AlertOutbox" ("OutboxID" int identity primary key, "SubscriptionID" int not null, "EventType" nvarchar(40) not null, "DedupeKey" nvarchar(200) not null, "PayloadJson" nvarchar(max) not null, "Status" nvarchar(16) default 'pending' not null, "Attempts" int default 0 not null, "NextAttemptAt" datetime2(3) default sysutcdatetime() not null, "LeaseUntil" datetime2(3), "LeaseOwner" nvarchar(64), "CreatedAt" datetime2(3) default sysutcdatetime() not null, "DeliveredAt" datetime2(3), "LastError" nvarchar(1000))
GO

if col_length('dbo.AlertOutbox', 'SubscriptionID') is null alter table "dbo"."AlertOutbox" add "SubscriptionID" int not null
GO

if col_length('dbo.AlertOutbox', 'EventType') is null alter table "dbo"."AlertOutbox" add "EventType" nvarchar(40) not null
GO

if col_length('dbo.AlertOutbox', 'DedupeKey') is null alter table "dbo"."AlertOutbox" add "DedupeKey" nvarchar(200) not null
GO

if col_length('dbo.AlertOutbox', 'PayloadJson') is null alter table "dbo"."AlertOutbox" add "PayloadJson" nvarchar(max) not null
GO

if col_length('dbo.AlertOutbox', 'Status') is null alter table "dbo"."AlertOutbox" add "Status" nvarchar(16) default 'pending' not null
GO

if col_length('dbo.AlertOutbox', 'Attempts') is null alter table "dbo"."AlertOutbox" add "Attempts" int default 0 not null
GO

if col_length('dbo.AlertOutbox', 'NextAttemptAt') is null alter table "dbo"."AlertOutbox" add "NextAttemptAt" datetime2(3) default sysutcdatetime() not null
GO

if col_length('dbo.AlertOutbox', 'LeaseUntil') is null alter table "dbo"."AlertOutbox" add "LeaseUntil" datetime2(3)
GO

if col_length('dbo.AlertOutbox', 'LeaseOwner') is null alter table "dbo"."AlertOutbox" add "LeaseOwner" nvarchar(64)
GO

if col_length('dbo.AlertOutbox', 'CreatedAt') is null alter table "dbo"."AlertOutbox" add "CreatedAt" datetime2(3) default sysutcdatetime() not null
GO

if col_length('dbo.AlertOutbox', 'DeliveredAt') is null alter table "dbo"."AlertOutbox" add "DeliveredAt" datetime2(3)
GO

if col_length('dbo.AlertOutbox', 'LastError') is null alter table "dbo"."AlertOutbox" add "LastError" nvarchar(1000)
GO

if indexproperty(object_id('dbo.AlertOutbox'), 'UX_AlertOutbox_SubscriptionID_DedupeKey', 'IndexID') is null create unique index "UX_AlertOutbox_SubscriptionID_DedupeKey" on "dbo"."AlertOutbox" ("SubscriptionID", "DedupeKey")
GO

if indexproperty(object_id('dbo.AlertOutbox'), 'IX_AlertOutbox_Status_NextAttemptAt', 'IndexID') is null create index "IX_AlertOutbox_Status_NextAttemptAt" on "dbo"."AlertOutbox" ("Status", "NextAttemptAt")
GO

if object_id('dbo.AlertDeliveries', N'U') is null create table "dbo"."AlertDeliveries" ("DeliveryID" int identity primary key, "OutboxID" int not null, "Attempt" int not null, "StatusCode" int, "DurationMs" int default 0 not null, "Error" nvarchar(1000), "AttemptedAt" datetime2(3) default sysutcdatetime() not null)
GO

if col_length('dbo.AlertDeliveries', 'OutboxID') is null alter table "dbo"."AlertDeliveries" add "OutboxID" int not null
GO

if col_length('dbo.AlertDeliveries', 'Attempt') is null alter table "dbo"."AlertDeliveries" add "Attempt" int not null
GO

if col_length('dbo.AlertDeliveries', 'StatusCode') is null alter table "dbo"."AlertDeliveries" add "StatusCode" int
GO

if col_length('dbo.AlertDeliveries', 'DurationMs') is null alter table "dbo"."AlertDeliveries" add "DurationMs" int default 0 not null
GO

if col_length('dbo.AlertDeliveries', 'Error') is null alter table "dbo"."AlertDeliveries" add "Error" nvarchar(1000)
GO

if col_length('dbo.AlertDeliveries', 'AttemptedAt') is null alter table "dbo"."AlertDeliveries" add "AttemptedAt" datetime2(3) default sysutcdatetime() not null
GO

if indexproperty(object_id('dbo.AlertDeliveries'), 'IX_AlertDeliveries_OutboxID', 'IndexID') is null create index "IX_AlertDeliveries_OutboxID" on "dbo"."AlertDeliveries" ("OutboxID")
GO

insert into "dbo"."SchemaMigrations" ("MigrationID", "AppliedAt") select '0007-alert-outbox' as "MigrationID", sysutcdatetime() as "AppliedAt" where not exists (select 1 as "one" from "dbo"."SchemaMigrations" where "MigrationID" = '0007-alert-outbox')
GO

-- migration 0008-key-verification
PRINT N'migration 0008-key-verification';
GO

if (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null)
begin
  if col_length('docUpload.TokenMaster', 'LastVerifiedAt') is null alter table "docUpload"."TokenMaster" add "LastVerifiedAt" datetime2(3)
end
GO

if not (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null)
begin
  if col_length('dbo.TokenMaster', 'LastVerifiedAt') is null alter table "dbo"."TokenMaster" add "LastVerifiedAt" datetime2(3)
end
GO

if (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null)
begin
  if col_length('docUpload.TokenMaster', 'LastVerifyResult') is null alter table "docUpload"."TokenMaster" add "LastVerifyResult" nvarchar(400)
end
GO

if not (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null)
begin
  if col_length('dbo.TokenMaster', 'LastVerifyResult') is null alter table "dbo"."TokenMaster" add "LastVerifyResult" nvarchar(400)
end
GO

if object_id('docUpload.TokenMaster', N'U') is not null and object_id('dbo.TokenMaster', N'U') is null and object_id('dbo.TokenMaster', N'V') is not null drop view [dbo].[TokenMaster]
GO

if object_id('docUpload.TokenMaster', N'U') is not null and object_id('dbo.TokenMaster', N'U') is null and object_id('dbo.TokenMaster') is null exec(N'create view [dbo].[TokenMaster] as select * from [docUpload].[TokenMaster]')
GO

if object_id('docUpload.TokenUsageSummary', N'U') is not null and object_id('dbo.TokenUsageSummary', N'U') is null and object_id('dbo.TokenUsageSummary', N'V') is not null drop view [dbo].[TokenUsageSummary]
GO

if object_id('docUpload.TokenUsageSummary', N'U') is not null and object_id('dbo.TokenUsageSummary', N'U') is null and object_id('dbo.TokenUsageSummary') is null exec(N'create view [dbo].[TokenUsageSummary] as select * from [docUpload].[TokenUsageSummary]')
GO

if object_id('docUpload.TokenUsageLogs', N'U') is not null and object_id('dbo.TokenUsageLogs', N'U') is null and object_id('dbo.TokenUsageLogs', N'V') is not null drop view [dbo].[TokenUsageLogs]
GO

if object_id('docUpload.TokenUsageLogs', N'U') is not null and object_id('dbo.TokenUsageLogs', N'U') is null and object_id('dbo.TokenUsageLogs') is null exec(N'create view [dbo].[TokenUsageLogs] as select * from [docUpload].[TokenUsageLogs]')
GO

if object_id('docUpload.TokenReservations', N'U') is not null and object_id('dbo.TokenReservations', N'U') is null and object_id('dbo.TokenReservations', N'V') is not null drop view [dbo].[TokenReservations]
GO

if object_id('docUpload.TokenReservations', N'U') is not null and object_id('dbo.TokenReservations', N'U') is null and object_id('dbo.TokenReservations') is null exec(N'create view [dbo].[TokenReservations] as select * from [docUpload].[TokenReservations]')
GO

insert into "dbo"."SchemaMigrations" ("MigrationID", "AppliedAt") select '0008-key-verification' as "MigrationID", sysutcdatetime() as "AppliedAt" where not exists (select 1 as "one" from "dbo"."SchemaMigrations" where "MigrationID" = '0008-key-verification')
GO

-- migration 0009-retention
PRINT N'migration 0009-retention';
GO

if object_id('dbo.TokenUsageArchive', N'U') is null create table "dbo"."TokenUsageArchive" ("ArchiveID" int identity primary key, "TokenID" int not null, "CompanyID" nvarchar(50), "Branch" nvarchar(100) default 'Default' not null, "RequestedBy" nvarchar(100) default 'System' not null, "UsageDay" datetime2(3) not null, "RequestCount" int default 0 not null, "InputTokens" int default 0 not null, "OutputTokens" int default 0 not null, "ThoughtsTokens" int default 0 not null, "TotalTokensUsed" int default 0 not null, "PresumedTokens" int default 0 not null, "FirstLoggedAt" datetime2(3) not null, "LastLoggedAt" datetime2(3) not null, "ArchivedAt" datetime2(3) default sysutcdatetime() not null)
GO

if col_length('dbo.TokenUsageArchive', 'TokenID') is null alter table "dbo"."TokenUsageArchive" add "TokenID" int not null
GO

if col_length('dbo.TokenUsageArchive', 'CompanyID') is null alter table "dbo"."TokenUsageArchive" add "CompanyID" nvarchar(50)
GO

if col_length('dbo.TokenUsageArchive', 'Branch') is null alter table "dbo"."TokenUsageArchive" add "Branch" nvarchar(100) default 'Default' not null
GO

if col_length('dbo.TokenUsageArchive', 'RequestedBy') is null alter table "dbo"."TokenUsageArchive" add "RequestedBy" nvarchar(100) default 'System' not null
GO

if col_length('dbo.TokenUsageArchive', 'UsageDay') is null alter table "dbo"."TokenUsageArchive" add "UsageDay" datetime2(3) not null
GO

if col_length('dbo.TokenUsageArchive', 'RequestCount') is null alter table "dbo"."TokenUsageArchive" add "RequestCount" int default 0 not null
GO

if col_length('dbo.TokenUsageArchive', 'InputTokens') is null alter table "dbo"."TokenUsageArchive" add "InputTokens" int default 0 not null
GO

if col_length('dbo.TokenUsageArchive', 'OutputTokens') is null alter table "dbo"."TokenUsageArchive" add "OutputTokens" int default 0 not null
GO

if col_length('dbo.TokenUsageArchive', 'ThoughtsTokens') is null alter table "dbo"."TokenUsageArchive" add "ThoughtsTokens" int default 0 not null
GO

if col_length('dbo.TokenUsageArchive', 'TotalTokensUsed') is null alter table "dbo"."TokenUsageArchive" add "TotalTokensUsed" int default 0 not null
GO

if col_length('dbo.TokenUsageArchive', 'PresumedTokens') is null alter table "dbo"."TokenUsageArchive" add "PresumedTokens" int default 0 not null
GO

if col_length('dbo.TokenUsageArchive', 'FirstLoggedAt') is null alter table "dbo"."TokenUsageArchive" add "FirstLoggedAt" datetime2(3) not null
GO

if col_length('dbo.TokenUsageArchive', 'LastLoggedAt') is null alter table "dbo"."TokenUsageArchive" add "LastLoggedAt" datetime2(3) not null
GO

if col_length('dbo.TokenUsageArchive', 'ArchivedAt') is null alter table "dbo"."TokenUsageArchive" add "ArchivedAt" datetime2(3) default sysutcdatetime() not null
GO

if indexproperty(object_id('dbo.TokenUsageArchive'), 'IX_TokenUsageArchive_Token_UsageDay', 'IndexID') is null create index "IX_TokenUsageArchive_Token_UsageDay" on "dbo"."TokenUsageArchive" ("TokenID", "UsageDay")
GO

if indexproperty(object_id('dbo.TokenUsageArchive'), 'IX_TokenUsageArchive_Company_UsageDay', 'IndexID') is null create index "IX_TokenUsageArchive_Company_UsageDay" on "dbo"."TokenUsageArchive" ("CompanyID", "UsageDay")
GO

if object_id('dbo.GatewaySettings', N'U') is null create table "dbo"."GatewaySettings" ("Name" nvarchar(100) not null primary key, "Value" nvarchar(1000) not null, "UpdatedBy" nvarchar(200), "UpdatedAt" datetime2(3) default sysutcdatetime() not null)
GO

if col_length('dbo.GatewaySettings', 'Value') is null alter table "dbo"."GatewaySettings" add "Value" nvarchar(1000) not null
GO

if col_length('dbo.GatewaySettings', 'UpdatedBy') is null alter table "dbo"."GatewaySettings" add "UpdatedBy" nvarchar(200)
GO

if col_length('dbo.GatewaySettings', 'UpdatedAt') is null alter table "dbo"."GatewaySettings" add "UpdatedAt" datetime2(3) default sysutcdatetime() not null
GO

if indexproperty(object_id('dbo.AlertDeliveries'), 'IX_AlertDeliveries_AttemptedAt', 'IndexID') is null create index "IX_AlertDeliveries_AttemptedAt" on "dbo"."AlertDeliveries" ("AttemptedAt")
GO

drop view if exists "dbo"."vw_UsageSummary"
GO

if (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null)
  exec(N'create view "dbo"."vw_UsageSummary" as select "t"."CompanyID", max("t"."CompanyName") as "CompanyName", count(distinct "u"."Branch") as "Branches", count(distinct "u"."RequestedBy") as "Users", cast(sum("u"."RequestCount") as bigint) as "TotalRequests", cast(sum("u"."TotalTokensUsed") as bigint) as "TotalTokensUsed", cast(sum("u"."TotalTokensUsed") as float) / nullif(sum("u"."RequestCount"), 0) as "AvgTokensPerRequest", min("u"."FirstAt") as "FirstUsed", max("u"."LastAt") as "LastUsed", datediff(day, min("u"."FirstAt"), max("u"."LastAt")) as "DaysActive" from (select "l"."TokenID", "l"."Branch", "l"."RequestedBy", "l"."RequestCount", "l"."TotalTokensUsed", "l"."LoggedAt" as "FirstAt", "l"."LoggedAt" as "LastAt" from "docUpload"."TokenUsageLogs" as "l" union all select "a"."TokenID", "a"."Branch", "a"."RequestedBy", "a"."RequestCount", "a"."TotalTokensUsed", "a"."FirstLoggedAt" as "FirstAt", "a"."LastLoggedAt" as "LastAt" from "dbo"."TokenUsageArchive" as "a") as "u" inner join "docUpload"."TokenMaster" as "t" on "t"."TokenID" = "u"."TokenID" group by "t"."CompanyID"')
GO

if not (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null)
  exec(N'create view "dbo"."vw_UsageSummary" as select "t"."CompanyID", max("t"."CompanyName") as "CompanyName", count(distinct "u"."Branch") as "Branches", count(distinct "u"."RequestedBy") as "Users", cast(sum("u"."RequestCount") as bigint) as "TotalRequests", cast(sum("u"."TotalTokensUsed") as bigint) as "TotalTokensUsed", cast(sum("u"."TotalTokensUsed") as float) / nullif(sum("u"."RequestCount"), 0) as "AvgTokensPerRequest", min("u"."FirstAt") as "FirstUsed", max("u"."LastAt") as "LastUsed", datediff(day, min("u"."FirstAt"), max("u"."LastAt")) as "DaysActive" from (select "l"."TokenID", "l"."Branch", "l"."RequestedBy", "l"."RequestCount", "l"."TotalTokensUsed", "l"."LoggedAt" as "FirstAt", "l"."LoggedAt" as "LastAt" from "dbo"."TokenUsageLogs" as "l" union all select "a"."TokenID", "a"."Branch", "a"."RequestedBy", "a"."RequestCount", "a"."TotalTokensUsed", "a"."FirstLoggedAt" as "FirstAt", "a"."LastLoggedAt" as "LastAt" from "dbo"."TokenUsageArchive" as "a") as "u" inner join "dbo"."TokenMaster" as "t" on "t"."TokenID" = "u"."TokenID" group by "t"."CompanyID"')
GO

insert into "dbo"."SchemaMigrations" ("MigrationID", "AppliedAt") select '0009-retention' as "MigrationID", sysutcdatetime() as "AppliedAt" where not exists (select 1 as "one" from "dbo"."SchemaMigrations" where "MigrationID" = '0009-retention')
GO
