namespace TenantChat.Grains.Models;

/// <summary>A disabled account cannot sign in, and its tokens are refused.</summary>
[GenerateSerializer]
public enum AccountStatus
{
    Active = 0,
    Disabled = 1,
}
