namespace TenantChat.Grains.Persistence;

/// <summary>The <c>action</c> of every audit entry the platform writes (docs/behaviour.md, Governance).</summary>
public static class AuditActions
{
    public const string TenantCreated = "tenant.created";
    public const string TenantChanged = "tenant.changed";
    public const string TenantSuspended = "tenant.suspended";
    public const string TenantReactivated = "tenant.reactivated";
    public const string TenantUsageReset = "tenant.usage_reset";
    public const string TenantDeleted = "tenant.deleted";
    public const string TenantExported = "tenant.exported";
    public const string SettingsChanged = "settings.changed";
    public const string AccountCreated = "account.created";
    public const string AccountChanged = "account.changed";
    public const string AccountDeleted = "account.deleted";
    public const string CustomerDataCreated = "customer_data.created";
    public const string CustomerDataChanged = "customer_data.changed";
    public const string CustomerDataDeleted = "customer_data.deleted";
    public const string ConversationClosed = "conversation.closed";
    public const string ConversationStatusChanged = "conversation.status_changed";
    public const string ConversationErased = "conversation.erased";

    public static string TenantTarget(Guid tenantId) => $"tenant:{tenantId}";

    public static string ConversationTarget(Guid conversationId) => $"conversation:{conversationId}";
}
