@{
    # XenHa's class-based DSC resources, shipped next to XenHa so that Import-Module XenHa stays cheap.
    # ModuleVersion and the required XenHa version follow XenHa.psd1 (build.ps1 refuses a mismatch).
    RootModule           = 'XenHaDsc.psm1'
    ModuleVersion        = '0.1.0'
    GUID                 = 'a0d812ed-cb64-490b-a130-305544114dad'
    Author               = 'XenHa contributors'
    CompanyName          = 'XenHa'
    Copyright            = '(c) XenHa contributors. MIT licence.'
    Description          = 'DSC resources for XenServer / XCP-ng pools built with XenHa: pool, storage repositories, ISO library, HA and VM restart priorities.'
    PowerShellVersion    = '5.1'
    CompatiblePSEditions = @('Desktop', 'Core')
    RequiredModules      = @(@{ ModuleName = 'XenHa'; GUID = '5b0f3c59-6f8e-4a57-9d39-2f7c1b8e4a21'; RequiredVersion = '0.1.0' })
    FunctionsToExport    = @()
    CmdletsToExport      = @()
    VariablesToExport    = @()
    AliasesToExport      = @()
    DscResourcesToExport = @('XenPool', 'XenNfsRepository', 'XenIscsiRepository', 'XenIsoLibrary', 'XenHa', 'XenVMProtection')
    PrivateData          = @{
        PSData = @{
            Tags       = @('XenServer', 'XCP-ng', 'DSC', 'DesiredStateConfiguration', 'HA', 'PSEdition_Desktop', 'PSEdition_Core', 'Windows', 'Linux')
            LicenseUri = 'https://opensource.org/licenses/MIT'
        }
    }
}
