// Compiled into both processes (linked from src/Shared).
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;

namespace TenantChat.Shared;

/// <summary>
/// One JSON object per line, flat, for log collectors: <c>timestamp</c>, <c>level</c>, <c>category</c>,
/// <c>message</c>, its <c>template</c>, <c>tenant_id</c>, <c>request_id</c>, <c>trace_id</c>, <c>span_id</c>, the
/// template's other values under <c>fields</c>, and the exception. Tenant and request ids come from the line's own
/// values or the logging scopes (the frontend opens one per tenant request); the trace from the current activity.
/// </summary>
public sealed class JsonLogFormatter() : ConsoleFormatter(FormatterName)
{
    public const string FormatterName = "tenantchat-json";

    private const string TemplateKey = "{OriginalFormat}";

    public override void Write<TState>(in LogEntry<TState> logEntry, IExternalScopeProvider? scopeProvider, TextWriter textWriter)
    {
        var message = logEntry.Formatter?.Invoke(logEntry.State, logEntry.Exception);
        if (message is null && logEntry.Exception is null)
        {
            return;
        }
        var line = new Line();
        scopeProvider?.ForEachScope((scope, state) => state.Take(scope, own: false), line);
        line.Take(logEntry.State, own: true);
        var activity = Activity.Current;

        var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            json.WriteString("timestamp", DateTime.UtcNow.ToString("O", CultureInfo.InvariantCulture));
            json.WriteString("level", logEntry.LogLevel.ToString());
            json.WriteString("category", logEntry.Category);
            json.WriteString("message", message);
            WriteIfAny(json, "template", line.Template);
            WriteIfAny(json, "tenant_id", line.TenantId);
            WriteIfAny(json, "request_id", line.RequestId);
            WriteIfAny(json, "trace_id", activity?.TraceId.ToHexString() ?? line.TraceId);
            WriteIfAny(json, "span_id", activity?.SpanId.ToHexString() ?? line.SpanId);
            if (logEntry.EventId.Id != 0)
            {
                json.WriteNumber("event_id", logEntry.EventId.Id);
            }
            if (line.Fields.Count > 0)
            {
                json.WriteStartObject("fields");
                foreach (var (key, value) in line.Fields)
                {
                    json.WriteString(key, value);
                }
                json.WriteEndObject();
            }
            if (logEntry.Exception is { } exception)
            {
                json.WriteString("exception", exception.ToString());
            }
            json.WriteEndObject();
        }
        textWriter.Write(Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length));
        textWriter.Write(Environment.NewLine);
    }

    private static void WriteIfAny(Utf8JsonWriter json, string name, string? value)
    {
        if (!string.IsNullOrEmpty(value))
        {
            json.WriteString(name, value);
        }
    }

    /// <summary>The well-known values of one line, gathered from its scopes (outermost first) and then its own state.</summary>
    private sealed class Line
    {
        public string? Template { get; private set; }

        public string? TenantId { get; private set; }

        public string? RequestId { get; private set; }

        public string? TraceId { get; private set; }

        public string? SpanId { get; private set; }

        public Dictionary<string, string?> Fields { get; } = [];

        /// <summary>Reads one scope's or the line's values; only the line's <paramref name="own"/> values go to <c>fields</c>.</summary>
        public void Take(object? state, bool own)
        {
            if (state is not IEnumerable<KeyValuePair<string, object?>> values)
            {
                return;
            }
            foreach (var (key, value) in values)
            {
                var text = Convert.ToString(value, CultureInfo.InvariantCulture);
                switch (key)
                {
                    case TemplateKey:
                        Template = text;
                        break;
                    case "TenantId":
                        TenantId = text;
                        break;
                    case "RequestId":
                        RequestId = text;
                        break;
                    case "TraceId":
                        TraceId = text;
                        break;
                    case "SpanId":
                        SpanId = text;
                        break;
                    default:
                        if (own)
                        {
                            Fields[key] = text;
                        }
                        break;
                }
            }
        }
    }
}
