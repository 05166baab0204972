namespace TenantChat.Grains.Models;

[GenerateSerializer]
public enum TenantStatus
{
    Active = 0,
    Suspended = 1,
}
