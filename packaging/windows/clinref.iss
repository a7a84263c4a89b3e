; ClinRef installer for Windows (Inno Setup 6): per-machine, silent-capable, nothing written per user.
;
; Built by `python packaging/build.py` on Windows when Inno Setup's iscc is installed, as
;   iscc /DAppVersion=0.1.0 /DSourceDir=dist\clinref /DOutputDir=dist /DIconFile=...\clinref.ico clinref.iss
;
; Silent install (as an administrator; software deployment tools run it as SYSTEM):
;   clinref-0.1.0-windows-x64-setup.exe /VERYSILENT /SUPPRESSMSGBOXES /NORESTART /LOG="%TEMP%\clinref-setup.log"
;   optionally /CONTENTDB="\\fileserver\clinref\clinref.db" to write the machine-wide settings file
;   %ProgramData%\ClinRef\clinref.toml pointing every user at that content file.
; Silent uninstall:
;   "C:\Program Files\ClinRef\unins000.exe" /VERYSILENT /SUPPRESSMSGBOXES /NORESTART
;
; NOT BUILT OR RUN YET: written to Inno Setup's documentation; build and test it on Windows.

#ifndef AppVersion
  #error Pass /DAppVersion=x.y.z (packaging/build.py does)
#endif
#ifndef SourceDir
  #define SourceDir "..\..\dist\clinref"
#endif
#ifndef OutputDir
  #define OutputDir "..\..\dist"
#endif

[Setup]
; AppId identifies ClinRef to Windows across versions: never change it, or upgrades install side by side.
AppId={{0F8263FA-53A1-4867-A760-789E92732FE1}
AppName=ClinRef
AppVersion={#AppVersion}
AppVerName=ClinRef {#AppVersion}
AppPublisher=ClinRef
VersionInfoVersion={#AppVersion}
; Per machine: Program Files, all users' Start menu, HKLM uninstall entry. No per-user install mode.
PrivilegesRequired=admin
DefaultDirName={autopf}\ClinRef
DisableDirPage=auto
DisableProgramGroupPage=yes
DisableReadyPage=yes
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
; Qt 6 needs Windows 10 1809 or later.
MinVersion=10.0.17763
OutputDir={#OutputDir}
OutputBaseFilename=clinref-{#AppVersion}-windows-x64-setup
#ifdef IconFile
SetupIconFile={#IconFile}
#endif
UninstallDisplayIcon={app}\clinref.exe
UninstallDisplayName=ClinRef {#AppVersion}
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
; Silent-friendly: no restart, close a running ClinRef during an upgrade instead of asking, log on request.
RestartIfNeededByRun=no
CloseApplications=yes
RestartApplications=no
SetupLogging=yes
; Nothing here touches the user's profile, the environment or file associations.
ChangesEnvironment=no
ChangesAssociations=no

[Files]
Source: "{#SourceDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs
Source: "..\linux\clinref.toml.example"; DestDir: "{app}"; Flags: ignoreversion

[InstallDelete]
; An upgrade replaces the whole bundle, so no library of the previous version lingers.
Type: filesandordirs; Name: "{app}\_internal"

[Icons]
; {autoprograms} is the all-users Start menu in this per-machine install.
Name: "{autoprograms}\ClinRef"; Filename: "{app}\clinref.exe"; Comment: "Offline clinical reference"

; No [Run] section: the installer never starts ClinRef, so it never creates a profile for the
; account that installs it (often SYSTEM). Each user's settings appear on their first launch.

[Code]
{ /CONTENTDB="path": write %ProgramData%\ClinRef\clinref.toml so every user opens that content file.
  The value goes into a TOML literal string (single quotes), which keeps backslashes as they are
  and cannot contain a single quote. The file is IT's: uninstalling leaves it in place. }
procedure CurStepChanged(CurStep: TSetupStep);
var
  Database, Folder: String;
  Lines: TArrayOfString;
begin
  if CurStep <> ssPostInstall then
    Exit;
  Database := ExpandConstant('{param:CONTENTDB|}');
  if Database = '' then
    Exit;
  if Pos('''', Database) > 0 then
  begin
    Log('CONTENTDB contains a single quote; the machine settings file was not written: ' + Database);
    Exit;
  end;
  Folder := ExpandConstant('{commonappdata}\ClinRef');
  ForceDirectories(Folder);
  SetArrayLength(Lines, 2);
  Lines[0] := '# Written by the ClinRef installer (/CONTENTDB=...). Every user of this machine opens this content file.';
  Lines[1] := 'database = ''' + Database + '''';
  if SaveStringsToUTF8FileWithoutBOM(Folder + '\clinref.toml', Lines, False) then
    Log('Wrote ' + Folder + '\clinref.toml: database = ' + Database)
  else
    Log('Could not write ' + Folder + '\clinref.toml');
end;
