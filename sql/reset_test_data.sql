-- GENERATED FILE: do not edit. Source: packages/db/src/migrations/render-tsql.ts (pnpm sql:generate).
--
-- TESTING ONLY: deletes every token, usage row, log and audit entry. Tables stay.

SET NOCOUNT ON;
SET XACT_ABORT ON;
SET ANSI_NULLS ON;
SET QUOTED_IDENTIFIER ON;
GO

delete from "dbo"."RetryAttempts"
GO

if (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null)
begin
  delete from "docUpload"."TokenReservations"
end
GO

if not (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null)
begin
  delete from "dbo"."TokenReservations"
end
GO

delete from "dbo"."TokenBudgetWindows"
GO

delete from "dbo"."TokenUsageArchive"
GO

delete from "dbo"."GatewaySettings"
GO

if (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null)
begin
  delete from "docUpload"."TokenUsageLogs"
end
GO

if not (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null)
begin
  delete from "dbo"."TokenUsageLogs"
end
GO

if (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null)
begin
  delete from "docUpload"."TokenUsageSummary"
end
GO

if not (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null)
begin
  delete from "dbo"."TokenUsageSummary"
end
GO

delete from "dbo"."AuditLog"
GO

delete from "dbo"."ClientKeys"
GO

delete from "dbo"."ResultCache"
GO

delete from "dbo"."IdempotencyKeys"
GO

delete from "dbo"."AlertDeliveries"
GO

delete from "dbo"."AlertOutbox"
GO

delete from "dbo"."AlertSubscriptions"
GO

delete from "dbo"."ApplicationLogs"
GO

if (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null)
begin
  delete from "docUpload"."TokenMaster"
end
GO

if not (object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null)
begin
  delete from "dbo"."TokenMaster"
end
GO

begin try
  if object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null
    exec(N'dbcc checkident (N''docUpload.TokenMaster'', reseed, 0)')
  else if object_id(N'dbo.TokenMaster', N'U') is not null
    exec(N'dbcc checkident (N''dbo.TokenMaster'', reseed, 0)')
end try
begin catch
  print N'TokenMaster ids were not reseeded (this engine has no DBCC CHECKIDENT): the next token will not be TokenID 1. ' + error_message();
end catch
GO
