using TenantChat.WebFrontend.Apis;
using TenantChat.WebFrontend.Extensions;

var builder = WebApplication.CreateBuilder(args);
builder.AddApplicationServices();

var app = builder.Build();
app.UseTenantRouting();
app.MapHealthEndpoints();
app.MapChatApi();
app.MapAdminApi();
app.Run();

/// <summary>Entry point, public so functional tests can host it with WebApplicationFactory.</summary>
public partial class Program;
