using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using TenantChat.Shared;

namespace TenantChat.Tests.Infrastructure;

/// <summary>
/// Every log line of the test hosts (the frontend and each silo), formatted by the production
/// <see cref="JsonLogFormatter"/> exactly as <c>Logging:Format=json</c> writes them to the console, kept in
/// <see cref="Lines"/>. One provider per host, since each host has its own logging scopes.
/// </summary>
public sealed class JsonLogCapture : ILoggerProvider, ISupportExternalScope
{
    private static readonly ConcurrentQueue<string> Captured = new();

    private readonly JsonLogFormatter _formatter = new();
    private IExternalScopeProvider? _scopes;

    /// <summary>Every line written so far by every host of the test process.</summary>
    public static IReadOnlyList<string> Lines => [.. Captured];

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void SetScopeProvider(IExternalScopeProvider scopeProvider) => _scopes = scopeProvider;

    public void Dispose()
    {
    }

    private sealed class Logger(JsonLogCapture owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => owner._scopes?.Push(state);

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            using var writer = new StringWriter();
            owner._formatter.Write(new LogEntry<TState>(logLevel, category, eventId, state, exception, formatter), owner._scopes, writer);
            foreach (var line in writer.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries))
            {
                Captured.Enqueue(line);
            }
        }
    }
}
