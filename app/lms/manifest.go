package lms

import (
	"encoding/xml"
	"strings"
	"text/template"
)

// The manifest: IMS Content Packaging 1.1.2 with the ADL SCORM 1.2
// extensions, one organisation with one item launching the one SCO. The
// module's version is the manifest's version and its LOM lifecycle
// version. There is no adlcp:masteryscore: with one, an LMS may set passed
// or failed from the quiz score alone, while the module's completion rule
// also asks for the lessons and scenarios (docs/lms.md).
var manifestTmpl = template.Must(template.New("imsmanifest.xml").Funcs(template.FuncMap{
	"x": func(s string) string {
		var b strings.Builder
		_ = xml.EscapeText(&b, []byte(s))
		return b.String()
	},
}).Parse(`<?xml version="1.0" encoding="UTF-8"?>
<manifest identifier="upstand-{{x .Module.ID}}" version="{{x .Module.Version}}"
    xmlns="http://www.imsproject.org/xsd/imscp_rootv1p1p2"
    xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_rootv1p2"
    xmlns:imsmd="http://www.imsglobal.org/xsd/imsmd_rootv1p2p1"
    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
    xsi:schemaLocation="http://www.imsproject.org/xsd/imscp_rootv1p1p2 imscp_rootv1p1p2.xsd http://www.imsglobal.org/xsd/imsmd_rootv1p2p1 imsmd_rootv1p2p1.xsd http://www.adlnet.org/xsd/adlcp_rootv1p2 adlcp_rootv1p2.xsd">
  <metadata>
    <schema>ADL SCORM</schema>
    <schemaversion>1.2</schemaversion>
    <imsmd:lom>
      <imsmd:general>
        <imsmd:title><imsmd:langstring xml:lang="en-GB">{{x .Module.Title}}</imsmd:langstring></imsmd:title>
        <imsmd:description><imsmd:langstring xml:lang="en-GB">{{x .Module.Summary}}</imsmd:langstring></imsmd:description>
      </imsmd:general>
      <imsmd:lifecycle>
        <imsmd:version><imsmd:langstring xml:lang="x-none">{{x .Module.Version}}</imsmd:langstring></imsmd:version>
      </imsmd:lifecycle>
      <imsmd:metametadata>
        <imsmd:metadatascheme>ADL SCORM 1.2</imsmd:metadatascheme>
      </imsmd:metametadata>
      <imsmd:technical>
        <imsmd:format>text/html</imsmd:format>
      </imsmd:technical>
      <imsmd:annotation>
        <imsmd:description><imsmd:langstring xml:lang="en-GB">Exported by Upstand at {{x .Created}}: module {{x .Module.ID}}, version {{x .Module.Version}}.</imsmd:langstring></imsmd:description>
      </imsmd:annotation>
    </imsmd:lom>
  </metadata>
  <organizations default="upstand-org">
    <organization identifier="upstand-org">
      <title>{{x .Module.Title}}</title>
      <item identifier="upstand-item" identifierref="upstand-sco" isvisible="true">
        <title>{{x .Module.Title}}</title>
      </item>
    </organization>
  </organizations>
  <resources>
    <resource identifier="upstand-sco" type="webcontent" adlcp:scormtype="sco" href="index.html">
{{- range .Files}}
      <file href="{{x .}}"/>
{{- end}}
    </resource>
  </resources>
</manifest>
`))
