namespace TenantChat.Grains.Models;

[GenerateSerializer]
public enum AccountRole
{
    Member = 0,
    Admin = 1,
}
