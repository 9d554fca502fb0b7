import { defineConfig } from 'wxt';

/**
 * Public half of a key used only for development and test builds, so that the
 * extension ID is known before the browser starts (tests pass it to
 * `--allowlisted-extension-id`). Its ID is {@link TEST_EXTENSION_ID} in
 * `tests/e2e/harness.ts`. Production builds carry no key: the store assigns one.
 */
const DEV_MANIFEST_KEY =
  'MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA+FL5zo8t4YJOdc51aMelIZlVSKLKanwb4GnCef/2OPzv23ORFE5AHpp/qspIb96srmgXNExvrWrdAiuepfM4qxqfWotphmesE4yBW6WeGG83h3nkTolWYmXeIxe7X6uVdkcB4uonZTp/5Y6uzAWgdIRuBy+dz4UFRl5T2Xj3EM/JMZJB02VtsHcQIJGJmEYkcK0wfQ9MWT23Ld+8nMzQv7YBTGTJiNrqPFvdjxaEgaqKGVU4lxp6x0bBD8jJc4pgS2MOWtQxcU0ZpH6FeEm1jX4epGRtZMlXsrABHngguBtRSlnvQwZJqn1w4v2iyVo3taTEl1if3PF2UFZPTiUvfwIDAQAB';

export default defineConfig({
  modules: ['@wxt-dev/module-vue', '@wxt-dev/i18n/module', '@wxt-dev/webextension-polyfill'],
  manifest: ({ mode }) => ({
    name: '__MSG_extName__',
    description: '__MSG_extDescription__',
    default_locale: 'en',
    // Each permission is explained in README.md ("Permissions").
    permissions: ['offscreen', 'storage', 'unlimitedStorage', 'contextMenus', 'notifications', 'activeTab', 'scripting', 'tabCapture'],
    action: { default_title: '__MSG_extName__' },
    commands: {
      'share-tab': { suggested_key: { default: 'Alt+Shift+S' }, description: '__MSG_commands_shareTab__' },
    },
    ...(mode === 'production' ? {} : { key: DEV_MANIFEST_KEY }),
  }),
  zip: {
    // The sources zip is for store review: what builds the extension, not test output.
    excludeSources: ['test-results/**', 'coverage/**', '**/*.log'],
  },
  vite: () => ({
    build: {
      // PeerJS is large; one offscreen chunk is expected.
      chunkSizeWarningLimit: 1024,
    },
  }),
});
