using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.HttpResults;
using TenantChat.Grains;
using TenantChat.Grains.Models;
using TenantChat.WebFrontend.Apis;
using TenantChat.WebFrontend.Problems;

namespace TenantChat.WebFrontend.Admin;

/// <summary>Applies a partial JSON change to a tenant's settings, for the operator's PATCH and the tenant admin's PUT.</summary>
public static class TenantSettingsUpdate
{
    private const int Attempts = 4;

    public static async Task<Results<Ok<TenantResponse>, ApiProblem>> ApplyAsync(ITenantGrain grain, JsonObject body, IReadOnlySet<string> writable)
    {
        // Optimistic concurrency: a change racing another one reads again and applies its fields again.
        for (var attempt = 1; ; attempt++)
        {
            if (await grain.GetAsync() is not { } current)
            {
                return new ApiProblem(ProblemCode.NotFound, "No tenant has this id.");
            }
            var reader = new TenantSettingsReader();
            if (reader.ReadChanges(body, current.Settings, writable) is not { } settings)
            {
                return ApiProblem.Validation(reader.Errors);
            }
            var outcome = await grain.UpdateSettingsAsync(settings, current.Version);
            if (outcome.Succeeded)
            {
                return TypedResults.Ok(TenantResponse.From(outcome.Value));
            }
            var versionConflict = outcome.Error.Code == ProblemCode.Conflict && settings.Domain == current.Settings.Domain;
            if (!versionConflict || attempt == Attempts)
            {
                return ApiProblem.From(outcome.Error);
            }
        }
    }
}
