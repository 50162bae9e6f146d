// @ts-check
// Typed arrays no longer needed, freed at once: in the worker (what a file's parts were read
// into, the scored CSV once a Blob holds it) and on the page (a batch once the row store holds
// it).

/**
 * Frees the memory of arrays no longer used now rather than at the next garbage collection,
 * which in a worker lets tens of MB of them wait (V8 collects when external memory has grown by
 * about 64 MB): on a large file, that slack in each worker was most of the page's memory. Only
 * arrays that are the whole of their buffer, and that nothing else holds, may be given.
 * @param {(ArrayBufferView | undefined)[]} arrays
 */
export function release(arrays) {
  for (const array of arrays) {
    if (array && array.byteOffset === 0 && array.byteLength === array.buffer.byteLength) {
      /** @type {ArrayBuffer} */ (array.buffer).transfer(0);
    }
  }
}
