# Helpers shared by the Measure-*.ps1 scripts (dot-source it; it is not a measurement itself).

function New-BenchRow {
    # One row of the Bench contract. Ratio is Value / BaselineValue whenever both are known.
    param(
        [Parameter(Mandatory)] [string] $Name,
        [Parameter(Mandatory)] [double] $Value,
        [Parameter(Mandatory)] [string] $Unit,
        [string] $Baseline = '',
        [Nullable[double]] $BaselineValue = $null,
        [string] $Goal = '',
        [Nullable[bool]] $GoalMet = $null
    )
    $ratio = if ($null -ne $BaselineValue -and $BaselineValue -ne 0) { $Value / $BaselineValue } else { $null }
    [pscustomobject]@{
        Name          = $Name
        Value         = $Value
        Unit          = $Unit
        Baseline      = $Baseline
        BaselineValue = $BaselineValue
        Ratio         = $ratio
        Goal          = $Goal
        GoalMet       = $GoalMet
    }
}

function Get-Median {
    param([Parameter(Mandatory)] [double[]] $Values)
    $sorted = @($Values | Sort-Object)
    $mid = [math]::Floor($sorted.Count / 2)
    if ($sorted.Count % 2) { $sorted[$mid] } else { ($sorted[$mid - 1] + $sorted[$mid]) / 2 }
}

function Get-FreshPwsh {
    # The command line of a new pwsh like the one running: the dotnet host plus pwsh.dll for the
    # local dotnet tool, or the pwsh executable itself.
    $process = [Environment]::ProcessPath
    if ([IO.Path]::GetFileNameWithoutExtension($process) -eq 'dotnet') {
        [pscustomobject]@{ FilePath = $process; Prefix = @(Join-Path $PSHOME 'pwsh.dll') }
    }
    else {
        [pscustomobject]@{ FilePath = $process; Prefix = @() }
    }
}

function Get-Python {
    # python3 when present; the Python baselines are skipped otherwise.
    $python = Get-Command python3 -CommandType Application -ErrorAction SilentlyContinue | Select-Object -First 1
    if ($python) { $python.Source } else { $null }
}

function Invoke-Timed {
    # Wall milliseconds of one run of a native command; stops on a non-zero exit code.
    param([Parameter(Mandatory)] [string] $FilePath, [string[]] $ArgumentList = @())
    $watch = [Diagnostics.Stopwatch]::StartNew()
    $output = & $FilePath @ArgumentList 2>&1
    $watch.Stop()
    if ($LASTEXITCODE -ne 0) { throw "'$FilePath $($ArgumentList -join ' ')' failed ($LASTEXITCODE): $($output -join [Environment]::NewLine)" }
    [pscustomobject]@{ Milliseconds = $watch.Elapsed.TotalMilliseconds; Output = $output }
}
