// The page's elements that the browser tests and the scripts find by test id, in the functions
// they pass to page.evaluate: `document.querySelector('[data-testid="summary"]')` has the type
// of the element that www/index.html (or app.js) marks so. For tsconfig.node.json only.

interface TestIds {
  cancel: HTMLButtonElement;
  comparison: HTMLDivElement;
  download: HTMLAnchorElement;
  error: HTMLParagraphElement;
  'file-input': HTMLInputElement;
  histogram: HTMLDivElement;
  incidents: HTMLElement;
  metrics: HTMLElement;
  'metrics-unsupported': HTMLParagraphElement;
  model: HTMLElement;
  'model-download': HTMLAnchorElement;
  'model-error': HTMLParagraphElement;
  'model-in-use': HTMLParagraphElement;
  'model-input': HTMLInputElement;
  notes: HTMLUListElement;
  pr: HTMLDivElement;
  progress: HTMLProgressElement;
  rejections: HTMLDetailsElement;
  results: HTMLTableElement;
  roc: HTMLDivElement;
  sample: HTMLButtonElement;
  summary: HTMLElement;
  threshold: HTMLInputElement;
  'threshold-number': HTMLInputElement;
  'threshold-reset': HTMLButtonElement;
  timeline: SVGSVGElement;
  train: HTMLButtonElement;
  'train-unavailable': HTMLSpanElement;
  training: HTMLDivElement;
  'training-cancel': HTMLButtonElement;
  'use-builtin': HTMLButtonElement;
  'use-model': HTMLButtonElement;
}

interface ParentNode {
  querySelector<K extends keyof TestIds>(selectors: `[data-testid="${K}"]`): TestIds[K] | null;
}
