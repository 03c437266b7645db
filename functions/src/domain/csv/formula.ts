// Spreadsheet formula neutralisation (OWASP, "CSV Injection"): a cell that starts with =, +, -,
// @, tab or carriage return is written with a leading single quote, so a spreadsheet shows it as
// text instead of running it. The import undoes exactly that and nothing else.
//
// To make the pair a bijection, a value that already starts with quotes followed by a trigger
// ("'=x", "''+1") also gets one more quote on export, and the import removes one quote only
// from a cell of that shape (quotes, then a trigger). So export -> import returns every value
// unchanged, including values that start with a quote. The price: a hand-written cell "'=x" is
// read as "=x"; a cell starting with a quote and no trigger ("'80s lens") is kept as written.

const NEUTRALISED = /^'+[=+\-@\t\r]/;
const NEEDS_QUOTE = /^'*[=+\-@\t\r]/;

export function neutraliseFormula(value: string): string {
  return NEEDS_QUOTE.test(value) ? `'${value}` : value;
}

export function undoFormulaNeutralisation(cell: string): string {
  return NEUTRALISED.test(cell) ? cell.slice(1) : cell;
}
