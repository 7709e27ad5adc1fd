<?xml version="1.0" encoding="UTF-8"?>
<!--
  WordprocessingML main part → the plain text of its paragraphs, tables, rows
  and cells, run in C by libxslt. Structure is written as private-use characters
  (parsers/wordml.py names them and splits the result): U+E010 a paragraph
  (U+E011 after it if the paragraph holds highlighted text), U+E012 / U+E013 a
  table and its end, U+E014 a row (its gridBefore follows), U+E016 a cell
  ("span" or "span,vMerge value", then U+E017), U+E018 font U+E019 char U+E019
  run font U+E01A a symbol character, U+E01B-U+E01D a complex field's start,
  result and end (below). The same characters in the document's own text are
  deleted (wordml.py drops that translate() for a part whose bytes
  cannot hold them: a quarter of the transform).

  Deleted revisions vanish; insertions, content controls and custom XML are
  looked through; check boxes (w14 content controls: w14:checked, never the
  glyph; legacy FORMCHECKBOX: w:checked over w:default; Wingdings symbols)
  become U+E001 (ticked) / U+E000 (not ticked); placeholders are empty; tabs
  stay tabs and breaks newlines; only the first choice of alternate content
  is read. Nested tables stay inside their cell, in document order.
-->
<xsl:stylesheet version="1.0"
    xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    xmlns:w14="http://schemas.microsoft.com/office/word/2010/wordml"
    xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006"
    xmlns:f="urn:hoth-intake:flatten"
    exclude-result-prefixes="w w14 mc f">
  <xsl:output method="text" encoding="UTF-8"/>

  <!-- A document pays only for what it holds. wordml.py compiles a version of this sheet per kind of
       part: what is marked f:needs="X" is left out, and an xsl:if marked f:true-without="X" always
       holds, for a part whose bytes do not hold what X reads (an element's name, any prefix): most forms
       have no text box, highlighting, deleted paragraph mark or symbol font, and then no paragraph or
       run pays for the test. Each parameter's own search walks the whole tree. -->
  <xsl:param name="boxes" f:needs="boxes" select="boolean(//w:txbxContent[not(ancestor::mc:Fallback)])"/>
  <xsl:param name="highlights" f:needs="highlights" select="boolean(//w:highlight[not(@w:val = 'none')])"/>
  <!-- A paragraph mark deleted with tracked changes: Word shows the paragraph and the next one as one. -->
  <xsl:param name="joins" f:needs="joins" select="boolean(//w:pPr/w:rPr/w:del)"/>
  <xsl:template match="/">
    <xsl:apply-templates select="w:document/w:body/*"/>
  </xsl:template>

  <!-- Structure. -->
  <!-- A paragraph, then the contents of the text boxes anchored in it (tables and all), as blocks of
       their own; the VML fallback copy of a DrawingML text box is skipped. -->
  <xsl:key name="boxes" match="w:txbxContent[not(ancestor::mc:Fallback)]" use="generate-id(ancestor::w:p[1])"/>
  <xsl:template match="w:p">
    <xsl:if f:true-without="joins" test="not($joins and preceding-sibling::*[1][self::w:p]/w:pPr/w:rPr/w:del)">
      <xsl:text>&#xE010;</xsl:text>
      <!-- Highlighted text (the CE Matrix asks to "highlight if any are relevant"): flagged, not marked up. -->
      <xsl:if f:needs="highlights" test="$highlights and .//w:r/w:rPr/w:highlight[not(@w:val = 'none')]"><xsl:text>&#xE011;</xsl:text></xsl:if>
    </xsl:if>
    <xsl:apply-templates mode="text"/>
    <xsl:if f:needs="boxes" test="$boxes"><xsl:apply-templates select="key('boxes', generate-id())/*"/></xsl:if>
  </xsl:template>
  <xsl:template match="w:tbl"><xsl:text>&#xE012;</xsl:text><xsl:apply-templates/><xsl:text>&#xE013;</xsl:text></xsl:template>
  <xsl:template match="w:tr[w:trPr/w:del]"/>
  <xsl:template match="w:tr">
    <xsl:text>&#xE014;</xsl:text><xsl:value-of select="w:trPr/w:gridBefore/@w:val"/><xsl:apply-templates/>
  </xsl:template>
  <xsl:template match="w:tc">
    <xsl:text>&#xE016;</xsl:text><xsl:apply-templates select="w:tcPr" mode="cell"/><xsl:text>&#xE017;</xsl:text><xsl:apply-templates/>
  </xsl:template>
  <!-- Only the cells that span or merge carry attributes (most cells do neither). -->
  <xsl:template match="w:tcPr" mode="cell">
    <xsl:value-of select="w:gridSpan/@w:val"/>
    <xsl:if test="w:vMerge">,<xsl:value-of select="w:vMerge/@w:val"/></xsl:if>
  </xsl:template>
  <xsl:template match="w:del|w:moveFrom|w:sdtPr|w:sdtEndPr|w:tblPr|w:tblGrid|w:trPr|w:tcPr|w:sectPr|w:customXmlPr"/>
  <xsl:template match="w:sdt[w:sdtPr/w:showingPlcHdr]">
    <!-- Placeholder: keep the structure (paragraphs, cells), drop the text. -->
    <xsl:apply-templates select="w:sdtContent/*" mode="placeholder"/>
  </xsl:template>
  <xsl:template match="w:p" mode="placeholder"><xsl:text>&#xE010;</xsl:text></xsl:template>
  <xsl:template match="w:tc" mode="placeholder"><xsl:text>&#xE016;</xsl:text><xsl:value-of select="w:tcPr/w:gridSpan/@w:val"/><xsl:text>&#xE017;&#xE010;</xsl:text></xsl:template>
  <xsl:template match="*" mode="placeholder"><xsl:apply-templates select="*" mode="placeholder"/></xsl:template>
  <xsl:template match="mc:AlternateContent"><xsl:apply-templates select="*[1]/*"/></xsl:template>
  <!-- A check-box content control around whole paragraphs (block level): its state, never the
       glyph it shows, leads its first paragraph; box glyphs inside it are dropped. -->
  <xsl:template match="w:sdt[w:sdtPr/w14:checkbox][w:sdtContent/w:p]">
    <xsl:variable name="val" select="w:sdtPr/w14:checkbox/w14:checked/@w14:val"/>
    <xsl:for-each select="w:sdtContent/w:p">
      <xsl:text>&#xE010;</xsl:text>
        <xsl:if test="position() = 1">
          <xsl:choose>
            <xsl:when test="../../w:sdtPr/w14:checkbox/w14:checked and not($val = '0' or $val = 'false' or $val = 'off')">&#xE001;</xsl:when>
            <xsl:otherwise>&#xE000;</xsl:otherwise>
          </xsl:choose>
        </xsl:if>
        <xsl:apply-templates mode="unboxed"/>
    </xsl:for-each>
  </xsl:template>
  <xsl:template match="w:sdt[w:sdtPr/w:date/@w:fullDate][not(w:sdtPr/w:showingPlcHdr)][w:sdtContent/w:p]">
    <xsl:text>&#xE010;</xsl:text><xsl:value-of select="substring(w:sdtPr/w:date/@w:fullDate, 1, 10)"/>
  </xsl:template>
  <!-- (No select: libxslt walks the children itself, where select="*" is an XPath evaluation per element.) -->
  <xsl:template match="*"><xsl:apply-templates/></xsl:template>
  <xsl:template match="text()"/>  <!-- between blocks: layout whitespace -->

  <!-- Paragraph text. -->
  <xsl:template match="w:t" mode="text"><xsl:value-of select="translate(., '&#xE010;&#xE011;&#xE012;&#xE013;&#xE014;&#xE015;&#xE016;&#xE017;&#xE018;&#xE019;&#xE01A;&#xE01B;&#xE01C;&#xE01D;', '')"/></xsl:template>
  <!-- Symbol fonts: the tick and box characters for Wingdings / Wingdings 2, as the byte Word
       stores or as the private-use character (U+F0xx) LibreOffice writes. Matching them costs a test
       of every run: a document that names neither font goes without them. -->
  <xsl:template match="w:r[w:rPr/w:rFonts[@w:ascii='Wingdings 2' or @w:hAnsi='Wingdings 2']]" mode="text" f:needs="symbols">
    <xsl:for-each select="w:t|w:sym|w:tab|w:br">
      <xsl:choose>
        <xsl:when test="self::w:t"><xsl:value-of
            select="translate(., 'PRSTO£*&#xF050;&#xF052;&#xF053;&#xF054;&#xF04F;&#xF0A3;&#xF02A;&#xE010;&#xE011;&#xE012;&#xE013;&#xE014;&#xE015;&#xE016;&#xE017;&#xE018;&#xE019;&#xE01A;&#xE01B;&#xE01C;&#xE01D;', '&#xE001;&#xE001;&#xE001;&#xE001;&#xE001;&#xE000;&#xE000;&#xE001;&#xE001;&#xE001;&#xE001;&#xE001;&#xE000;&#xE000;')"/></xsl:when>
        <xsl:otherwise><xsl:apply-templates select="." mode="text"/></xsl:otherwise>
      </xsl:choose>
    </xsl:for-each>
  </xsl:template>
  <xsl:template match="w:r[w:rPr/w:rFonts[@w:ascii='Wingdings' or @w:hAnsi='Wingdings']]" mode="text" f:needs="symbols">
    <xsl:for-each select="w:t|w:sym|w:tab|w:br">
      <xsl:choose>
        <xsl:when test="self::w:t"><xsl:value-of
            select="translate(., '&#xFC;&#xFB;&#xFE;&#xFD;x&#xA8;oq&#xF0FC;&#xF0FB;&#xF0FE;&#xF0FD;&#xF078;&#xF0A8;&#xF06F;&#xF071;&#xE010;&#xE011;&#xE012;&#xE013;&#xE014;&#xE015;&#xE016;&#xE017;&#xE018;&#xE019;&#xE01A;&#xE01B;&#xE01C;&#xE01D;', '&#xE001;&#xE001;&#xE001;&#xE001;&#xE001;&#xE000;&#xE000;&#xE000;&#xE001;&#xE001;&#xE001;&#xE001;&#xE001;&#xE000;&#xE000;&#xE000;')"/></xsl:when>
        <xsl:otherwise><xsl:apply-templates select="." mode="text"/></xsl:otherwise>
      </xsl:choose>
    </xsl:for-each>
  </xsl:template>
  <!-- A tab stays a tab: after a label it separates the value ("Child's name<tab>Riley", as converters
       write a table); everywhere else readers treat it as a space. -->
  <xsl:template match="w:tab|w:ptab" mode="text"><xsl:text>&#9;</xsl:text></xsl:template>
  <xsl:template match="w:br|w:cr" mode="text"><xsl:text>&#10;</xsl:text></xsl:template>
  <xsl:template match="w:noBreakHyphen" mode="text"><xsl:text>-</xsl:text></xsl:template>
  <xsl:template match="w:sym" mode="text"><xsl:text>&#xE018;</xsl:text><xsl:value-of select="@w:font"/><xsl:text>&#xE019;</xsl:text><xsl:value-of select="@w:char"/><xsl:text>&#xE019;</xsl:text><xsl:value-of select="../w:rPr/w:rFonts/@w:ascii"/><xsl:text>&#xE01A;</xsl:text></xsl:template>
  <xsl:template match="w:del|w:moveFrom|w:delText|w:instrText|w:rPr|w:pPr|w:sdtPr|w:sdtEndPr|w:fldData" mode="text"/>
  <xsl:template match="w:sdt[w:sdtPr/w14:checkbox]" mode="text">
    <xsl:variable name="val" select="w:sdtPr/w14:checkbox/w14:checked/@w14:val"/>
    <xsl:choose>
      <xsl:when test="w:sdtPr/w14:checkbox/w14:checked and not($val = '0' or $val = 'false' or $val = 'off')">&#xE001;</xsl:when>
      <xsl:otherwise>&#xE000;</xsl:otherwise>
    </xsl:choose>
  </xsl:template>
  <xsl:template match="w:sdt[w:sdtPr/w:showingPlcHdr]" mode="text"/>
  <!-- A complex field: U+E01B at its start, U+E01C where its result starts, U+E01D at its end. wordml.py drops
       what lies between the start and the result (a nested field's result inside an IF's instruction), so only
       the result shown is read. A check box or drop-down writes its state before its start. -->
  <xsl:template match="w:fldChar[@w:fldCharType='begin']" mode="text"><xsl:text>&#xE01B;</xsl:text></xsl:template>
  <xsl:template match="w:fldChar[@w:fldCharType='separate']" mode="text"><xsl:text>&#xE01C;</xsl:text></xsl:template>
  <xsl:template match="w:fldChar[@w:fldCharType='end']" mode="text"><xsl:text>&#xE01D;</xsl:text></xsl:template>
  <xsl:template match="w:fldChar[@w:fldCharType='begin'][w:ffData/w:checkBox]" mode="text">
    <xsl:variable name="box" select="w:ffData/w:checkBox"/>
    <xsl:variable name="checked" select="$box/w:checked/@w:val"/>
    <xsl:variable name="default" select="$box/w:default/@w:val"/>
    <xsl:choose>
      <xsl:when test="$box/w:checked">
        <xsl:choose>
          <xsl:when test="$checked = '0' or $checked = 'false' or $checked = 'off'">&#xE000;</xsl:when>
          <xsl:otherwise>&#xE001;</xsl:otherwise>
        </xsl:choose>
      </xsl:when>
      <xsl:when test="$box/w:default and not($default = '0' or $default = 'false' or $default = 'off')">&#xE001;</xsl:when>
      <xsl:otherwise>&#xE000;</xsl:otherwise>
    </xsl:choose>
    <xsl:text>&#xE01B;</xsl:text>
  </xsl:template>
  <xsl:template match="mc:AlternateContent" mode="text"><xsl:apply-templates select="*[1]/*" mode="text"/></xsl:template>
  <!-- Word 2016's emoji (w16se:symEx holds only a code point): its fallback is the character as text. -->
  <xsl:template match="mc:AlternateContent[mc:Choice[1][contains(@Requires, 'w16se')]]" mode="text">
    <xsl:apply-templates select="mc:Fallback/*" mode="text"/>
  </xsl:template>
  <xsl:template match="w:txbxContent" mode="text"/>  <!-- read as blocks after its paragraph (above) -->
  <!-- A legacy drop-down (FORMDROPDOWN) stores no text: its entry at w:result (else w:default, else 0). -->
  <xsl:template match="w:fldChar[@w:fldCharType='begin'][w:ffData/w:ddList]" mode="text">
    <xsl:variable name="list" select="w:ffData/w:ddList"/>
    <xsl:variable name="chosen">
      <xsl:choose>
        <xsl:when test="$list/w:result/@w:val"><xsl:value-of select="$list/w:result/@w:val"/></xsl:when>
        <xsl:when test="$list/w:default/@w:val"><xsl:value-of select="$list/w:default/@w:val"/></xsl:when>
        <xsl:otherwise>0</xsl:otherwise>
      </xsl:choose>
    </xsl:variable>
    <xsl:value-of select="$list/w:listEntry[position() = number($chosen) + 1]/@w:val"/>
    <xsl:text>&#xE01B;</xsl:text>
  </xsl:template>
  <!-- A date picker: the date it stores (ISO, unambiguous), never its displayed text in some locale. -->
  <xsl:template match="w:sdt[w:sdtPr/w:date/@w:fullDate][not(w:sdtPr/w:showingPlcHdr)]" mode="text">
    <xsl:value-of select="substring(w:sdtPr/w:date/@w:fullDate, 1, 10)"/>
  </xsl:template>
  <xsl:template match="text()" mode="text"/>
  <!-- Inside a block-level check box: text without the box glyphs the control displays. -->
  <xsl:template match="w:t" mode="unboxed"><xsl:value-of select="translate(., '&#xE010;&#xE011;&#xE012;&#xE013;&#xE014;&#xE015;&#xE016;&#xE017;&#xE018;&#xE019;&#xE01A;&#xE01B;&#xE01C;&#xE01D;&#x2610;&#x2612;&#x2611;&#x2713;&#x2714;&#x2717;&#x2718;&#x22A0;&#x2327;&#x2613;&#x25A1;&#x25A2;&#x221A;&#x2705;', '')"/></xsl:template>
  <xsl:template match="w:r[w:rPr/w:rFonts[starts-with(@w:ascii, 'Wingdings') or starts-with(@w:hAnsi, 'Wingdings')]]|w:sym" mode="unboxed"/>
  <xsl:template match="w:del|w:moveFrom|w:delText|w:instrText|w:rPr|w:pPr|w:sdtPr|w:sdtEndPr|w:fldData" mode="unboxed"/>
  <xsl:template match="w:tab|w:ptab" mode="unboxed"><xsl:text> </xsl:text></xsl:template>
  <xsl:template match="w:br|w:cr" mode="unboxed"><xsl:text>&#10;</xsl:text></xsl:template>
  <xsl:template match="text()" mode="unboxed"/>
  <xsl:template match="*" mode="unboxed"><xsl:apply-templates mode="unboxed"/></xsl:template>
  <xsl:template match="*" mode="text"><xsl:apply-templates mode="text"/></xsl:template>
</xsl:stylesheet>
