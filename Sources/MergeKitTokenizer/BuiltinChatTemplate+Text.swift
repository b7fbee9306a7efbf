public import MergeKitRecipe

/// The text of mergekit's built-in chat templates. Each is the public prompt format of its model
/// family written as a Jinja template; the text is the one mergekit 0.1.5 writes (including the
/// final newline), so a merged tokenizer carries the same template.
extension BuiltinChatTemplate {
    public var text: String {
        switch self {
        case .alpaca: return Self.alpacaText
        case .chatml: return Self.chatmlText
        case .exaone: return Self.exaoneText
        case .llama3: return Self.llama3Text
        case .mistral: return Self.mistralText
        }
    }

    /// Stanford Alpaca's instruction format: the last system message, then `### Instruction:`,
    /// `### Input:` (role `user_context`) and `### Response:` blocks.
    private static let alpacaText = #"""
        {{ (messages|selectattr('role', 'equalto', 'system')|list|last).content|trim if (messages|selectattr('role', 'equalto', 'system')|list) else '' }}

        {% for message in messages %}
        {% if message['role'] == 'user' %}
        ### Instruction:
        {{ message['content']|trim -}}
        {% if not loop.last %}


        {% endif %}
        {% elif message['role'] == 'assistant' %}
        ### Response:
        {{ message['content']|trim -}}
        {% if not loop.last %}


        {% endif %}
        {% elif message['role'] == 'user_context' %}
        ### Input:
        {{ message['content']|trim -}}
        {% if not loop.last %}


        {% endif %}
        {% endif %}
        {% endfor %}
        {% if add_generation_prompt and messages[-1]['role'] != 'assistant' %}
        ### Response:
        {% endif %}

        """#

    /// ChatML: `<|im_start|>ROLE\nCONTENT<|im_end|>` per message.
    private static let chatmlText = #"""
        {% for message in messages %}{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}{% endfor %}
        {% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}

        """#

    /// LG EXAONE's format: `[|ROLE|]CONTENT`, turns closed by `[|endofturn|]`, an empty system
    /// turn first when none is given.
    private static let exaoneText = #"""
        {% for message in messages %}
            {% if loop.first and message['role'] != 'system' %}
                {{ '[|system|][|endofturn|]\n' }}
            {% endif %}
            {{ '[|' + message['role'] + '|]' + message['content'] }}
            {% if message['role'] == 'user' %}
                {{ '\n' }}
            {% else %}
                {{ '[|endofturn|]\n' }}
            {% endif %}
        {% endfor %}
        {% if add_generation_prompt %}
            {{ '[|assistant|]' }}
        {% endif %}

        """#

    /// Llama 3's format: `<|start_header_id|>ROLE<|end_header_id|>` headers and `<|eot_id|>` after
    /// each message, `bos_token` first.
    private static let llama3Text = #"""
        {% set loop_messages = messages %}
        {% for message in loop_messages %}
        {% set content = '<|start_header_id|>' + message['role'] + '<|end_header_id|>\n\n'+ message['content'] | trim + '<|eot_id|>' %}
        {% if loop.index0 == 0 %}{% set content = bos_token + content %}{% endif %}
        {{ content }}
        {% endfor %}
        {% if add_generation_prompt %}{{ '<|start_header_id|>assistant<|end_header_id|>\n\n' }}{% endif %}

        """#

    /// Mistral's `[INST]` format: alternating user/assistant turns, an optional system message
    /// folded into the first user turn.
    private static let mistralText = #"""
        {%- if messages[0]['role'] == 'system' %}
            {%- set system_message = messages[0]['content'] %}
            {%- set loop_messages = messages[1:] %}
        {%- else %}
            {%- set loop_messages = messages %}
        {%- endif %}

        {{- bos_token }}
        {%- for message in loop_messages %}
            {%- if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}
                {{- raise_exception('After the optional system message, conversation roles must alternate user/assistant/user/assistant/...') }}
            {%- endif %}
            {%- if message['role'] == 'user' %}
                {%- if loop.first and system_message is defined %}
                    {{- ' [INST] ' + system_message + '\n\n' + message['content'] + ' [/INST]' }}
                {%- else %}
                    {{- ' [INST] ' + message['content'] + ' [/INST]' }}
                {%- endif %}
            {%- elif message['role'] == 'assistant' %}
                {{- ' ' + message['content'] + eos_token}}
            {%- else %}
                {{- raise_exception('Only user and assistant roles are supported, with the exception of an initial optional system message!') }}
            {%- endif %}
        {%- endfor %}

        """#
}
