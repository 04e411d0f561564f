// Entry point of nnlab's JupyterLab host app.
//
// Module federation needs an asynchronous boundary: every prebuilt extension's
// remoteEntry script must register its shared modules before any module that
// consumes shared packages (all of JupyterLab) is evaluated. So this file only
// reads the page config, loads the extensions' containers, and then imports
// main.js dynamically.

/* global __webpack_init_sharing__, __webpack_share_scopes__ */

// NOTE: @jupyterlab/coreutils' PageConfig cannot be used yet (it is shared).
function pageConfig() {
  const element = document.getElementById('jupyter-config-data');
  return element ? JSON.parse(element.textContent || '{}') : {};
}

const config = pageConfig();

// eslint-disable-next-line no-undef
__webpack_public_path__ = `${config.fullStaticUrl}/`;

function loadScript(url) {
  return new Promise((resolve, reject) => {
    const script = document.createElement('script');
    script.onload = resolve;
    script.onerror = () => reject(new Error(`nnlab lab: could not load ${url}`));
    script.async = true;
    script.src = url;
    document.head.appendChild(script);
  });
}

/** Loads one federated extension's container and joins it to the shared scope. */
async function initContainer(extension) {
  await loadScript(`${config.fullLabextensionsUrl}/${extension.name}/${extension.load}`);
  await __webpack_init_sharing__('default');
  const container = window._JUPYTERLAB[extension.name];
  await container.init(__webpack_share_scopes__.default);
  return extension;
}

async function bootstrap() {
  const federated = config.federated_extensions || [];
  const results = await Promise.allSettled(federated.map(initContainer));
  const loaded = [];
  results.forEach((result, i) => {
    if (result.status === 'fulfilled') loaded.push(result.value);
    else console.error(`nnlab lab: extension ${federated[i].name} failed to load`, result.reason);
  });
  const { main } = await import('./main.js');
  await main(loaded);
}

bootstrap().catch(error => {
  console.error('nnlab lab: startup failed', error);
  document.body.textContent = `JupyterLab failed to start: ${error}`;
});
