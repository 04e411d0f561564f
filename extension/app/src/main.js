// Starts JupyterLab: collects the plugins of the core extension packages
// (listed in package.json, see webpack.config.js) and of the prebuilt
// extensions bootstrap.js loaded, honours the page config's disabled and
// deferred plugin lists, and starts the application.

import { JupyterLab } from '@jupyterlab/application';
import { PageConfig } from '@jupyterlab/coreutils';
import { disabledPlugins, extensions, mimeExtensions } from '@nnlab-lab/generated/plugins.js';

/** The module a prebuilt extension exposes under `key` ('./extension', './mimeExtension', './style'). */
async function federatedModule(name, key) {
  const factory = await window._JUPYTERLAB[name].get(key);
  return factory();
}

/** The plugins a module exports (default export or CommonJS), minus disabled ones. */
function pluginsOf(module, disabled, deferred) {
  const exported = Object.prototype.hasOwnProperty.call(module, '__esModule') ? module.default : module;
  const plugins = [];
  for (const plugin of Array.isArray(exported) ? exported : [exported]) {
    if (PageConfig.Extension.isDisabled(plugin.id) || disabledPlugins.includes(plugin.id)) {
      disabled.push(plugin.id);
      continue;
    }
    if (PageConfig.Extension.isDeferred(plugin.id)) deferred.push(plugin.id);
    plugins.push(plugin);
  }
  return plugins;
}

/** Resolves module promises, logging (not throwing) the ones that fail. */
async function settled(promises, what) {
  const modules = [];
  for (const result of await Promise.allSettled(promises)) {
    if (result.status === 'fulfilled') modules.push(result.value);
    else console.error(`nnlab lab: a ${what} failed to load`, result.reason);
  }
  return modules;
}

/**
 * Keeps the arrow keys (and Home, End, PageUp, PageDown) for a focused widget
 * slider. JupyterLab binds ArrowLeft and ArrowRight in a notebook's command
 * mode (collapse / expand headings) for any focused element in it, which
 * swallows the keys a slider handle (noUiSlider, role="slider") moves by.
 * Lumino skips shortcuts for a target marked data-lm-suppress-shortcuts: this
 * marks the handle for those keys only, before Lumino's own listener (on the
 * document, capture phase) sees the event, so Shift+Enter or Escape on a
 * focused slider still work.
 */
const SLIDER_KEYS = new Set(['ArrowLeft', 'ArrowRight', 'ArrowUp', 'ArrowDown', 'Home', 'End', 'PageUp', 'PageDown']);

function keepArrowKeysForWidgetSliders() {
  window.addEventListener(
    'keydown',
    event => {
      const target = event.target;
      if (!(target instanceof HTMLElement) || target.getAttribute('role') !== 'slider' || !target.closest('.jupyter-widgets')) return;
      if (SLIDER_KEYS.has(event.key)) target.dataset.lmSuppressShortcuts = 'true';
      else delete target.dataset.lmSuppressShortcuts;
    },
    true
  );
}

export async function main(federated) {
  keepArrowKeysForWidgetSliders();
  await import('@nnlab-lab/generated/styles.js');

  const federatedNames = new Set(federated.map(ext => ext.name));
  const core = list => list.filter(([name]) => !federatedNames.has(name)).map(([, load]) => load());
  const fromFederated = key => federated.filter(ext => ext[key.slice(2)]).map(ext => federatedModule(ext.name, key));

  const disabled = [];
  const deferred = [];
  const mimeModules = await settled([...core(mimeExtensions), ...fromFederated('./mimeExtension')], 'mime extension');
  const pluginModules = await settled([...core(extensions), ...fromFederated('./extension')], 'extension');
  await settled(fromFederated('./style'), 'extension style');

  const lab = new JupyterLab({
    mimeExtensions: mimeModules.flatMap(m => pluginsOf(m, disabled, deferred)),
    disabled: { matches: disabled, patterns: PageConfig.Extension.disabled.map(p => p.raw) },
    deferred: { matches: deferred, patterns: PageConfig.Extension.deferred.map(p => p.raw) },
  });
  lab.registerPlugins(pluginModules.flatMap(m => pluginsOf(m, disabled, deferred)));
  if (PageConfig.getOption('exposeAppInBrowser') === 'true') window.jupyterapp = lab;
  await lab.start({ ignorePlugins: deferred });
  await lab.restored;
  document.body.dataset.nnlabLabReady = 'true';
}
