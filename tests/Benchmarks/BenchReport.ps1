# The table and docs/performance.md of build.ps1 -Task Bench (dot-sourced by build.ps1).

function ConvertTo-BenchRow {
    # Checks one object a Measure-*.ps1 emitted against the contract and fills the optional fields.
    param([Parameter(Mandatory)] $Row, [Parameter(Mandatory)] [string] $Source)
    foreach ($required in 'Name', 'Value', 'Unit') {
        if ($null -eq $Row.PSObject.Properties[$required]) {
            throw "$Source emitted an object without '$required' (a Bench row needs Name, Value, Unit; Baseline, BaselineValue, Ratio, Goal and GoalMet are optional)."
        }
    }
    function Optional([string] $name) { if ($Row.PSObject.Properties[$name]) { $Row.$name } else { $null } }
    $value = [double] $Row.Value
    $baselineValue = if ($null -ne (Optional 'BaselineValue')) { [double] (Optional 'BaselineValue') } else { $null }
    $ratio = if ($null -ne (Optional 'Ratio')) { [double] (Optional 'Ratio') }
    elseif ($null -ne $baselineValue -and $baselineValue -ne 0) { $value / $baselineValue }
    else { $null }
    [pscustomobject]@{
        Name          = [string] $Row.Name
        Value         = $value
        Unit          = [string] $Row.Unit
        Baseline      = [string] (Optional 'Baseline')
        BaselineValue = $baselineValue
        Ratio         = $ratio
        Goal          = [string] (Optional 'Goal')
        GoalMet       = Optional 'GoalMet'
        Source        = $Source
    }
}

function Format-BenchNumber {
    param($Number)
    if ($null -eq $Number) { return '' }
    $n = [double] $Number
    $format = if ([math]::Abs($n) -ge 100) { '0' } elseif ([math]::Abs($n) -ge 10) { '0.0' } elseif ([math]::Abs($n) -ge 1) { '0.00' } else { '0.000' }
    $n.ToString($format, [Globalization.CultureInfo]::InvariantCulture)
}

function Format-GoalMet {
    param($GoalMet)
    if ($null -eq $GoalMet) { '' } elseif ($GoalMet) { 'yes' } else { 'NO' }
}

function Get-MachineDescription {
    $cpu = if (Test-Path /proc/cpuinfo) {
        (Select-String -Path /proc/cpuinfo -Pattern '^model name\s*:\s*(.+)$' | Select-Object -First 1).Matches.Groups[1].Value
    }
    else { $env:PROCESSOR_IDENTIFIER }
    $memory = if (Test-Path /proc/meminfo) {
        $kb = [double] ((Select-String -Path /proc/meminfo -Pattern '^MemTotal:\s*(\d+)').Matches.Groups[1].Value)
        '{0:0.0} GiB' -f ($kb / 1MB)
    }
    else { 'unknown' }
    $python = Get-Command python3 -CommandType Application -ErrorAction SilentlyContinue | Select-Object -First 1
    [ordered]@{
        'OS'          = [Runtime.InteropServices.RuntimeInformation]::OSDescription
        'CPU'         = "$cpu, $([Environment]::ProcessorCount) logical cores"
        'Memory'      = $memory
        '.NET'        = "$([Runtime.InteropServices.RuntimeInformation]::FrameworkDescription) (SDK $(& dotnet --version))"
        'PowerShell'  = "$($PSVersionTable.PSVersion)"
        'Python'      = if ($python) { (& $python.Source --version 2>&1) -join ' ' } else { 'not found (Python baselines skipped)' }
    }
}

function Write-BenchReport {
    param(
        [Parameter(Mandatory)] [string] $Path,
        [Parameter(Mandatory)] [object[]] $Rows,
        [Parameter(Mandatory)] [string[]] $Commands,
        [Parameter(Mandatory)] [string] $Root,
        [Parameter(Mandatory)] [string] $Version,
        [switch] $Quick
    )
    $commit = (& git -C $Root rev-parse --short HEAD 2>$null) -join ''
    $dirty = if ((& git -C $Root status --porcelain 2>$null) -join '') { ' (with uncommitted changes)' } else { '' }
    $lines = [Collections.Generic.List[string]]::new()
    $lines.Add('# XenHa performance')
    $lines.Add('')
    $lines.Add('Written by `dotnet pwsh ./build.ps1 -Task Bench' + $(if ($Quick) { ' -Quick' } else { '' }) + '` on ' +
        (Get-Date).ToUniversalTime().ToString('yyyy-MM-dd HH:mm', [Globalization.CultureInfo]::InvariantCulture) + " UTC, XenHa $Version, commit $commit$dirty.")
    $lines.Add('Every figure is a median, measured in the same run as its baseline. Ratio = value / baseline value')
    $lines.Add('(below 1 means XenHa takes less). Goals are checked here, never in tests.')
    if ($Quick) { $lines.Add(''); $lines.Add('**Quick run: tiny sizes and dry BenchmarkDotNet jobs. These figures mean nothing; only that every benchmark ran.**') }
    $lines.Add('')
    $lines.Add('## Machine')
    $lines.Add('')
    foreach ($entry in (Get-MachineDescription).GetEnumerator()) { $lines.Add("- $($entry.Key): $($entry.Value)") }
    $lines.Add('')
    $lines.Add('## Results')
    $lines.Add('')
    $lines.Add('| Measurement | Value | Unit | Baseline | Baseline value | Ratio | Goal | Met |')
    $lines.Add('|---|---:|---|---|---:|---:|---|---|')
    foreach ($r in $Rows) {
        $cells = $r.Name, (Format-BenchNumber $r.Value), $r.Unit, $r.Baseline, (Format-BenchNumber $r.BaselineValue), (Format-BenchNumber $r.Ratio), $r.Goal, (Format-GoalMet $r.GoalMet)
        $lines.Add('| ' + (($cells | ForEach-Object { "$_".Replace('|', '\|') }) -join ' | ') + ' |')
    }
    $withGoal = @($Rows | Where-Object { $null -ne $_.GoalMet })
    $missed = @($withGoal | Where-Object { -not $_.GoalMet })
    $lines.Add('')
    $lines.Add("Goals met: $($withGoal.Count - $missed.Count) of $($withGoal.Count).")
    foreach ($m in $missed) { $lines.Add("- Missed: $($m.Name) ($(Format-BenchNumber $m.Value) $($m.Unit), goal $($m.Goal))") }
    $lines.Add('')
    $lines.Add('## Commands')
    $lines.Add('')
    $lines.Add('Run in this order by `build.ps1 -Task Bench` (after building the module and tests/XenHa.Benchmarks in Release):')
    $lines.Add('')
    foreach ($c in $Commands) { $lines.Add("- ``$c``") }
    $notes = Join-Path $Root 'tests/Benchmarks/performance-notes.md'
    if (Test-Path $notes) {
        $lines.Add('')
        foreach ($line in Get-Content $notes) { $lines.Add($line) }
    }
    New-Item -ItemType Directory -Force -Path (Split-Path $Path) | Out-Null
    Set-Content -Path $Path -Value $lines -Encoding utf8
}
