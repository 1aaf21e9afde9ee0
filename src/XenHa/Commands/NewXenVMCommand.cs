using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using XenHa.Client;
using XenHa.Infrastructure;
using Api = XenHa.Client;

namespace XenHa.Commands;

/// <summary>
/// Creates a VM from a template the way XenCenter does: VM.clone of the template (VM.copy when the
/// template has disks of its own), the provisioning recipe pointed at the chosen repository,
/// VM.provision, memory and vCPUs, one network interface, and optionally VM.start. Everything is
/// checked before the first change; if a step fails after the clone, the partly created VM and its
/// new disks are removed again and the error says so.
/// </summary>
[Cmdlet(VerbsCommon.New, "XenVM", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(Vm))]
public sealed class NewXenVMCommand : XenCmdlet
{
    private const double GiB = 1024.0 * 1024 * 1024;
    private const int ProgressId = 20;

    /// <summary>The new VM's name.</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    public string Name { get; set; } = "";

    /// <summary>The template to create the VM from: a name, a UUID or an object from Get-XenTemplate.</summary>
    [Parameter(Mandatory = true, Position = 1, ValueFromPipeline = true)]
    [XenIdentity]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(TemplateNameCompleter))]
    public string Template { get; set; } = "";

    /// <summary>The storage repository for the VM's disks (name, UUID or object); the pool's default repository if omitted.</summary>
    [Parameter]
    [XenIdentity]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(RepositoryNameCompleter))]
    public string? Repository { get; set; }

    /// <summary>Memory in GiB; the template's memory if omitted.</summary>
    [Parameter]
    [ValidateRange(0.125, 16384)]
    public double MemoryGB { get; set; }

    /// <summary>Number of virtual CPUs; the template's count if omitted.</summary>
    [Parameter]
    [ValidateRange(1, 512)]
    public int CpuCount { get; set; }

    /// <summary>The network for the VM's interface (name, UUID or object); the management network if omitted.</summary>
    [Parameter]
    [XenIdentity]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(NetworkNameCompleter))]
    public string? Network { get; set; }

    /// <summary>The VM's description.</summary>
    [Parameter]
    [ValidateNotNull]
    public string? Description { get; set; }

    /// <summary>The VM's home server (name, UUID or host object). By default the VM has none and can start on any host.</summary>
    [Parameter]
    [XenIdentity]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(HostNameCompleter))]
    public string? Affinity { get; set; }

    /// <summary>Start the VM once it is created.</summary>
    [Parameter]
    public SwitchParameter Start { get; set; }

    /// <summary>The pool to create the VM in; the default connection if omitted.</summary>
    [Parameter]
    [ValidateNotNull]
    public Connection? Connection { get; set; }

    /// <summary>Everything the creation needs, found and checked before the first change.</summary>
    private sealed class Plan
    {
        public Api.Vm Template = null!;
        public ProvisionRecipe Recipe = null!;
        public bool CopyDisks;
        public Sr? Repository;
        public Api.Network Network = null!;
        public Api.Host? Affinity;
        public long Memory;
        public long StaticMin;
        public long Cpus;
        /// <summary>Templates that already carry the new VM's name (a fresh clone is one until provisioned).</summary>
        public HashSet<string> SameNamedTemplates = new HashSet<string>(StringComparer.Ordinal);
    }

    protected override void ProcessRecord()
    {
        var connection = ResolveConnection(Connection);
        Plan? plan;
        try
        {
            plan = Check(connection);
        }
        catch (Exception e) when (e is XenApiException || e is XenConnectionException || e is XenProtocolException)
        {
            WriteXenError(e, Name);
            return;
        }
        if (plan == null)
        {
            return;
        }
        var where = plan.Repository != null
            ? string.Format(CultureInfo.InvariantCulture, " with {0} GB of disk on '{1}'", plan.Recipe.TotalBytes / GiB, plan.Repository.NameLabel)
            : "";
        var action = string.Format(CultureInfo.InvariantCulture, "Create from template '{0}'{1}, {2} GB memory, {3} vCPUs, network '{4}', {5}{6}",
            plan.Template.NameLabel, where, plan.Memory / GiB, plan.Cpus, plan.Network.NameLabel,
            plan.Affinity != null ? "home server " + plan.Affinity.NameLabel : "no home server", Start ? ", then start it" : "");
        if (!ShouldProcess($"VM '{Name}'", action))
        {
            return;
        }
        Create(connection, plan);
    }

    private Plan? Check(Connection connection)
    {
        var session = connection.Session;
        var problems = new List<ErrorRecord>();
        var plan = new Plan();

        var templates = Await(session.GetAllRecordsWhereAsync<Api.Vm>("field \"is_a_template\"=\"true\" and field \"is_a_snapshot\"=\"false\"", Cancellation));
        var template = One(templates, Template, t => t.NameLabel, t => t.Uuid, "template", "XenHaTemplateNotFound", "XenHaTemplateAmbiguous", problems);
        plan.SameNamedTemplates.UnionWith(templates.Where(t => t.NameLabel == Name).Select(t => t.OpaqueRef));
        var vms = Await(session.GetAllRecordsWhereAsync<Api.Vm>("field \"is_a_template\"=\"false\"", Cancellation));
        if (vms.Any(v => string.Equals(v.NameLabel, Name, StringComparison.Ordinal)))
        {
            problems.Add(new ErrorRecord(
                new InvalidOperationException($"A VM named '{Name}' already exists. Choose another name, or remove the old VM first."),
                "XenHaVmExists", ErrorCategory.ResourceExists, Name));
        }

        if (template != null)
        {
            plan.Template = template;
            plan.Recipe = ProvisionRecipe.Of(template.OtherConfig);
            var vbds = template.VBDs.Count == 0 ? new List<Vbd>()
                : Await(session.GetAllRecordsWhereAsync<Vbd>($"field \"VM\"=\"{template.OpaqueRef}\"", Cancellation)).ToList();
            plan.CopyDisks = vbds.Any(b => !b.VDI.IsNull && !string.Equals(b.Type, "CD", StringComparison.OrdinalIgnoreCase));
            CheckSizing(template, problems, plan);
        }

        var srs = Await(session.GetAllRecordsAsync<Sr>(Cancellation));
        if (Repository != null)
        {
            plan.Repository = One(srs, Repository, s => s.NameLabel, s => s.Uuid, "repository", "XenHaRepositoryNotFound", "XenHaRepositoryAmbiguous", problems);
        }
        else if (template == null || !plan.Recipe.IsEmpty || plan.CopyDisks)
        {
            var pools = Await(session.GetAllRecordsAsync<Api.Pool>(Cancellation));
            var defaultSr = pools.Count == 1 ? pools[0].DefaultSR : XenRef<Sr>.Null;
            plan.Repository = srs.FirstOrDefault(s => !defaultSr.IsNull && s.OpaqueRef == defaultSr.OpaqueRef);
            if (plan.Repository == null)
            {
                problems.Add(new ErrorRecord(
                    new InvalidOperationException("The pool has no default storage repository. Name one with -Repository, or set the pool's default."),
                    "XenHaNoDefaultRepository", ErrorCategory.ObjectNotFound, Name));
            }
        }
        if (plan.Repository != null && template != null)
        {
            var pbds = Await(session.GetAllRecordsAsync<Pbd>(Cancellation));
            CheckRepository(plan.Repository, pbds, plan.Recipe.TotalBytes, problems);
        }

        var networks = Await(session.GetAllRecordsAsync<Api.Network>(Cancellation));
        if (Network != null)
        {
            plan.Network = One(networks, Network, n => n.NameLabel, n => n.Uuid, "network", "XenHaNetworkNotFound", "XenHaNetworkAmbiguous", problems)!;
        }
        else
        {
            var pifs = Await(session.GetAllRecordsAsync<Pif>(Cancellation));
            var management = VmResolver.ManagementNetwork(pifs, session.CoordinatorRef);
            plan.Network = networks.FirstOrDefault(n => n.OpaqueRef == management.OpaqueRef)!;
            if (plan.Network == null)
            {
                problems.Add(new ErrorRecord(
                    new InvalidOperationException("The pool has no management network to connect the VM to. Name a network with -Network."),
                    "XenHaNetworkNotFound", ErrorCategory.ObjectNotFound, Name));
            }
        }

        if (Affinity != null)
        {
            var hosts = Await(session.GetAllRecordsAsync<Api.Host>(Cancellation));
            plan.Affinity = One(hosts, Affinity, h => h.NameLabel, h => h.Uuid, "host", "XenHaHostNotFound", "XenHaHostAmbiguous", problems);
        }

        foreach (var problem in problems)
        {
            WriteError(problem);
        }
        return problems.Count == 0 ? plan : null;
    }

    private void CheckSizing(Api.Vm template, List<ErrorRecord> problems, Plan plan)
    {
        plan.Memory = MyInvocation.BoundParameters.ContainsKey(nameof(MemoryGB)) ? VmResolver.BytesOf(MemoryGB) : template.MemoryStaticMax;
        plan.StaticMin = Math.Min(template.MemoryStaticMin, plan.Memory);
        var maxMemory = VmResolver.Recommendation(template, "memory-static-max");
        if (plan.Memory < template.MemoryStaticMin || (maxMemory > 0 && plan.Memory > maxMemory))
        {
            problems.Add(new ErrorRecord(
                new ArgumentOutOfRangeException(nameof(MemoryGB), string.Format(CultureInfo.InvariantCulture,
                    "{0} GB of memory is outside what template '{1}' allows ({2} to {3} GB).",
                    plan.Memory / GiB, template.NameLabel, Math.Round(template.MemoryStaticMin / GiB, 3), maxMemory > 0 ? Math.Round(maxMemory / GiB, 3).ToString(CultureInfo.InvariantCulture) : "any")),
                "XenHaMemoryOutOfRange", ErrorCategory.InvalidArgument, MemoryGB));
        }
        plan.Cpus = MyInvocation.BoundParameters.ContainsKey(nameof(CpuCount)) ? CpuCount : Math.Max(1, template.VCPUsAtStartup);
        var maxCpus = VmResolver.Recommendation(template, "vcpus-max");
        if (maxCpus > 0 && plan.Cpus > maxCpus)
        {
            problems.Add(new ErrorRecord(
                new ArgumentOutOfRangeException(nameof(CpuCount), $"{plan.Cpus} vCPUs is more than the {maxCpus} template '{template.NameLabel}' allows."),
                "XenHaCpuCountOutOfRange", ErrorCategory.InvalidArgument, CpuCount));
        }
    }

    private static void CheckRepository(Sr sr, IReadOnlyList<Pbd> pbds, long needed, List<ErrorRecord> problems)
    {
        if (string.Equals(sr.ContentType, "iso", StringComparison.OrdinalIgnoreCase) || !sr.AllowedOperations.Contains("vdi_create"))
        {
            problems.Add(new ErrorRecord(
                new InvalidOperationException($"Repository '{sr.NameLabel}' cannot hold VM disks (type {sr.Type}, content {sr.ContentType})."),
                "XenHaRepositoryNotUsable", ErrorCategory.InvalidArgument, sr.NameLabel));
            return;
        }
        if (!pbds.Any(p => p.SR.OpaqueRef == sr.OpaqueRef && p.CurrentlyAttached))
        {
            problems.Add(new ErrorRecord(
                new InvalidOperationException($"Repository '{sr.NameLabel}' is not attached to any host. Repair it first."),
                "XenHaRepositoryNotUsable", ErrorCategory.ResourceUnavailable, sr.NameLabel));
            return;
        }
        var free = sr.PhysicalSize - sr.PhysicalUtilisation;
        if (sr.PhysicalSize > 0 && needed > free)
        {
            problems.Add(new ErrorRecord(
                new InvalidOperationException(string.Format(CultureInfo.InvariantCulture,
                    "Repository '{0}' has {1:0.##} GB free, but the VM's disks need {2:0.##} GB.", sr.NameLabel, free / GiB, needed / GiB)),
                "XenHaRepositoryFull", ErrorCategory.ResourceUnavailable, sr.NameLabel));
        }
    }

    private void Create(Connection connection, Plan plan)
    {
        var session = connection.Session;
        var progress = new ProgressRecord(ProgressId, $"Creating VM '{Name}'", "Cloning the template");
        var vmRef = "";
        var step = "clone";
        try
        {
            Progress(progress, 5, plan.CopyDisks ? "Copying the template's disks" : "Cloning the template");
            var cloneTask = plan.CopyDisks
                ? Await(session.CallAsync<XenRef<XenTask>>("Async.VM.copy", Cancellation, plan.Template.OpaqueRef, Name, plan.Repository!.OpaqueRef))
                : Await(session.CallAsync<XenRef<XenTask>>("Async.VM.clone", Cancellation, plan.Template.OpaqueRef, Name));
            try
            {
                vmRef = Waiter(connection, plan.CopyDisks ? "Copying template" : "Cloning template").Wait(cloneTask, $"VM '{Name}'")
                    .ResultRef<Api.Vm>().OpaqueRef;
            }
            catch (PipelineStoppedException)
            {
                // Stopped while cloning: the server may have finished (or finish) the clone anyway.
                vmRef = ResultAfterStop(session, cloneTask);
                if (vmRef.Length == 0)
                {
                    vmRef = NewCloneByName(session, plan.SameNamedTemplates);
                }
                throw;
            }

            if (!plan.Recipe.IsEmpty)
            {
                step = "point the disks at the repository";
                Progress(progress, 30, "Placing the disks on " + plan.Repository!.NameLabel);
                Call(session, "VM.remove_from_other_config", vmRef, ProvisionRecipe.Key);
                Call(session, "VM.add_to_other_config", vmRef, ProvisionRecipe.Key, plan.Recipe.WithRepository(plan.Repository.Uuid));
            }
            step = "provision";
            Progress(progress, 40, "Creating the disks");
            RunTask(connection, "Async.VM.provision", "Creating disks", vmRef);

            step = "set memory and vCPUs";
            Progress(progress, 70, "Setting memory and vCPUs");
            Call(session, "VM.set_memory_limits", vmRef, plan.StaticMin, plan.Memory, plan.Memory, plan.Memory);
            var template = plan.Template;
            if (plan.Cpus > template.VCPUsMax)
            {
                Call(session, "VM.set_VCPUs_max", vmRef, plan.Cpus);
                Call(session, "VM.set_VCPUs_at_startup", vmRef, plan.Cpus);
            }
            else
            {
                Call(session, "VM.set_VCPUs_at_startup", vmRef, plan.Cpus);
                Call(session, "VM.set_VCPUs_max", vmRef, plan.Cpus);
            }
            step = "set the description and home server";
            Call(session, "VM.set_name_description", vmRef, Description ?? "");
            Call(session, "VM.set_affinity", vmRef, plan.Affinity?.OpaqueRef ?? XenRef<Api.Host>.NullText);

            step = "create the network interface";
            Progress(progress, 80, "Connecting to " + plan.Network.NameLabel);
            var vif = new Dictionary<string, object?>
            {
                ["device"] = "0",
                ["network"] = plan.Network.OpaqueRef,
                ["VM"] = vmRef,
                ["MAC"] = "",
                ["MTU"] = plan.Network.MTU > 0 ? plan.Network.MTU : 1500L,
                ["other_config"] = new Dictionary<string, object?>(),
                ["qos_algorithm_type"] = "",
                ["qos_algorithm_params"] = new Dictionary<string, object?>(),
            };
            Await(session.CallAsync<string>("VIF.create", Cancellation, vif));
        }
        catch (Exception e) when (e is XenApiException || e is XenConnectionException || e is XenProtocolException || e is TimeoutException)
        {
            var undone = vmRef.Length == 0 ? "Nothing was created." : RollBack(session, vmRef);
            var record = ErrorRecords.From(e, Name);
            record.ErrorDetails = new ErrorDetails($"Creating VM '{Name}' failed at step '{step}': {e.Message} {undone}");
            WriteError(record);
            Complete(progress);
            return;
        }
        catch (PipelineStoppedException)
        {
            if (vmRef.Length > 0)
            {
                var undone = RollBack(session, vmRef);
                // The pipeline is stopping, so the warning stream is closed: tell the console directly.
                Host.UI.WriteWarningLine($"Creating VM '{Name}' was stopped. {undone}");
            }
            throw;
        }

        if (Start)
        {
            Progress(progress, 90, "Starting the VM");
            try
            {
                RunTask(connection, "Async.VM.start", $"Starting VM '{Name}'", vmRef, false, false);
            }
            catch (Exception e) when (e is XenApiException || e is XenConnectionException || e is XenProtocolException || e is TimeoutException)
            {
                // The VM is complete; only the start failed. Keep it and say so.
                var record = ErrorRecords.From(e, Name);
                record.ErrorDetails = new ErrorDetails($"VM '{Name}' was created but could not be started: {VmResolver.NamedMessage(connection, e, vmRef, Name)}");
                WriteError(record);
            }
        }
        Complete(progress);
        WriteObject(Await(VmResolver.ReadVmAsync(connection, vmRef, Cancellation)));
    }

    /// <summary>
    /// Removes a partly created VM and the disks made for it (VM.destroy, then VDI.destroy), with its
    /// own time limit so it also runs after Ctrl+C. Returns a sentence for the error message.
    /// </summary>
    private static string RollBack(XenSession session, string vmRef)
    {
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var left = new List<string>();
        try
        {
            var vbds = session.GetAllRecordsWhereAsync<Vbd>($"field \"VM\"=\"{vmRef}\"", limit.Token).GetAwaiter().GetResult();
            var vdis = vbds.Where(b => !b.VDI.IsNull && !string.Equals(b.Type, "CD", StringComparison.OrdinalIgnoreCase)).Select(b => b.VDI.OpaqueRef).ToList();
            try
            {
                session.CallAsync<object?>("VM.hard_shutdown", limit.Token, vmRef).GetAwaiter().GetResult();
            }
            catch (XenApiException)
            {
                // Not running, as expected before the start step.
            }
            session.CallAsync<object?>("VM.destroy", limit.Token, vmRef).GetAwaiter().GetResult();
            foreach (var vdi in vdis)
            {
                try
                {
                    session.CallAsync<object?>("VDI.destroy", limit.Token, vdi).GetAwaiter().GetResult();
                }
                catch (Exception e) when (e is XenApiException || e is XenConnectionException || e is OperationCanceledException)
                {
                    left.Add($"disk {vdi} ({e.Message})");
                }
            }
        }
        catch (Exception e) when (e is XenApiException || e is XenConnectionException || e is XenProtocolException || e is OperationCanceledException)
        {
            return $"Removing the partly created VM ({vmRef}) failed too: {e.Message}. Remove it with Remove-XenVM -DeleteDisks.";
        }
        return left.Count == 0
            ? "The partly created VM and its new disks were removed; nothing was left behind."
            : "The partly created VM was removed, but these disks were left: " + string.Join("; ", left) + ".";
    }

    private XenTask RunTask(Connection connection, string method, string activity, params object?[] arguments)
    {
        var task = Await(connection.Session.CallAsync<XenRef<XenTask>>(method, Cancellation, arguments));
        return Waiter(connection, activity).Wait(task, $"VM '{Name}'");
    }

    private TaskWaiter Waiter(Connection connection, string activity) =>
        new TaskWaiter(this, connection) { Activity = activity, ActivityId = ProgressId + 1, ParentActivityId = ProgressId };

    /// <summary>The clone found by name when its task could no longer be read (it was destroyed as the wait stopped).</summary>
    private string NewCloneByName(XenSession session, HashSet<string> before)
    {
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            var found = session.CallAsync<List<string>>("VM.get_by_name_label", limit.Token, Name).GetAwaiter().GetResult()
                .Where(r => !before.Contains(r)).ToList();
            return found.Count == 1 ? found[0] : "";
        }
        catch (Exception e) when (e is XenApiException || e is XenConnectionException || e is XenProtocolException || e is OperationCanceledException)
        {
            return "";
        }
    }

    /// <summary>
    /// After Ctrl+C during the clone: waits (up to 30 s, on its own clock) for the clone task to end
    /// and returns the VM it made, so it can be removed; "" if the clone was cancelled or failed.
    /// </summary>
    private static string ResultAfterStop(XenSession session, XenRef<XenTask> task)
    {
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            while (true)
            {
                var record = session.GetRecordAsync(task, limit.Token).GetAwaiter().GetResult();
                if (record.Status == XenTaskStatus.Success)
                {
                    return record.ResultRef<Api.Vm>().OpaqueRef;
                }
                if (record.Status != XenTaskStatus.Pending && record.Status != XenTaskStatus.Cancelling)
                {
                    return "";
                }
                if (limit.Token.WaitHandle.WaitOne(TimeSpan.FromMilliseconds(200)))
                {
                    return "";
                }
            }
        }
        catch (Exception e) when (e is XenApiException || e is XenConnectionException || e is XenProtocolException || e is OperationCanceledException)
        {
            return "";
        }
    }

    private void Call(XenSession session, string method, params object?[] arguments) =>
        Await(session.CallAsync<object?>(method, Cancellation, arguments));

    private void Progress(ProgressRecord progress, int percent, string status)
    {
        progress.StatusDescription = status;
        progress.PercentComplete = percent;
        WriteProgress(progress);
    }

    private void Complete(ProgressRecord progress)
    {
        progress.RecordType = ProgressRecordType.Completed;
        WriteProgress(progress);
    }

    /// <summary>The one object a user-given name or UUID names; records a not-found or ambiguous problem otherwise.</summary>
    private static T? One<T>(IEnumerable<T> items, string value, Func<T, string> name, Func<T, string> uuid,
        string what, string notFoundId, string ambiguousId, List<ErrorRecord> problems) where T : class
    {
        var matches = VmResolver.Match(items, value, name, uuid);
        if (matches.Count == 1)
        {
            return matches[0];
        }
        problems.Add(matches.Count == 0
            ? ErrorRecords.NotFound(what, value, notFoundId)
            : new ErrorRecord(new ArgumentException($"{matches.Count} {what}s are named '{value}'; give its UUID instead."),
                ambiguousId, ErrorCategory.InvalidArgument, value));
        return null;
    }
}
