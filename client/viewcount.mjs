// ES module entry for Viewcount. `export` cannot appear in the classic script, so this module
// evaluates viewcount.js for its side effect (it registers globalThis.viewcount once and, having no
// document.currentScript as a module, does not auto-start) and re-exports that single instance.
// Call start({ endpoint }) yourself. Keep viewcount.js next to this file.
import './viewcount.js';

const viewcount = globalThis.viewcount;

export const { start, track, on } = viewcount;
export default viewcount;
