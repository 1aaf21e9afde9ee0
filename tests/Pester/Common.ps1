# Dot-sourced by every *.Tests.ps1 in BeforeAll: imports the staged module under test.
$modulePath = $env:XENHA_MODULE_PATH
if (-not $modulePath) {
    $modulePath = Get-ChildItem (Join-Path $PSScriptRoot '../../out/XenHa/*/XenHa.psd1') | Select-Object -Last 1 -ExpandProperty FullName
}
Import-Module $modulePath -Force -ErrorAction Stop
# Certificate policy and pins never come from (or go to) the real user's settings.
if (-not $env:XENHA_CONFIG_DIR) {
    $env:XENHA_CONFIG_DIR = Join-Path ([System.IO.Path]::GetTempPath()) "xenha-test-config-$PID"
}

function Get-ClosedLoopbackPort {
    # A port nothing listens on: bind port 0, note it, release it.
    $listener = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
    $listener.Start()
    $port = $listener.LocalEndpoint.Port
    $listener.Stop()
    $port
}

function Get-RawVmRecord {
    # An independent view of the VMs straight from the API, to compare cmdlet output with.
    param([Parameter(Mandatory)] $Connection)
    $records = Invoke-XenApi VM.get_all_records -Connection $Connection
    foreach ($key in $records.Keys) { $records[$key] }
}

function Get-DocumentedParameter {
    # Reads the PARAMETERS section of a platyPS v2 page: one object per parameter and set.
    param([Parameter(Mandatory)] [string] $Path)
    $lines = Get-Content $Path
    $inParameters = $false
    $name = $null; $type = $null; $set = $null
    foreach ($line in $lines) {
        if ($line -match '^## ') { $inParameters = $line -eq '## PARAMETERS'; continue }
        if (-not $inParameters) { continue }
        if ($line -match '^### -(\S+)') { $name = $Matches[1]; $type = $null; continue }
        if ($line -match '^### ') { $name = $null; continue }
        if (-not $name) { continue }
        if ($line -match '^Type:\s*(\S+)') { $type = $Matches[1]; continue }
        if ($line -match '^- Name:\s*(.+)$') {
            $set = [ordered]@{ Parameter = $name; Type = $type; Set = $Matches[1].Trim() }
            continue
        }
        if ($set -and $line -match '^  (Position|IsRequired|ValueFromPipeline|ValueFromPipelineByPropertyName):\s*(\S+)') {
            $set[$Matches[1]] = $Matches[2]
            if ($Matches[1] -eq 'ValueFromPipelineByPropertyName') { [pscustomobject] $set; $set = $null }
        }
    }
}

function Get-CodeParameter {
    # The same shape as Get-DocumentedParameter, from the command itself.
    param([Parameter(Mandatory)] [System.Management.Automation.CommandInfo] $Command)
    $common = [System.Management.Automation.Cmdlet]::CommonParameters
    foreach ($parameter in $Command.Parameters.Values) {
        if ($parameter.Name -in $common) { continue }
        foreach ($entry in $parameter.ParameterSets.GetEnumerator()) {
            [pscustomobject][ordered]@{
                Parameter                       = $parameter.Name
                Type                            = $parameter.ParameterType.FullName
                Set                             = if ($entry.Key -eq '__AllParameterSets') { '(All)' } else { $entry.Key }
                Position                        = if ($entry.Value.Position -lt 0) { 'Named' } else { [string] $entry.Value.Position }
                IsRequired                      = ([string] $entry.Value.IsMandatory).ToLowerInvariant()
                ValueFromPipeline               = ([string] $entry.Value.ValueFromPipeline).ToLowerInvariant()
                ValueFromPipelineByPropertyName = ([string] $entry.Value.ValueFromPipelineByPropertyName).ToLowerInvariant()
            }
        }
    }
}

function Format-ParameterFacts {
    param([Parameter(ValueFromPipeline)] $Fact)
    process {
        '{0} [{1}] set={2} pos={3} req={4} pipe={5} byprop={6}' -f $Fact.Parameter, $Fact.Type, $Fact.Set, $Fact.Position,
            $Fact.IsRequired, $Fact.ValueFromPipeline, $Fact.ValueFromPipelineByPropertyName
    }
}
